import type { FailoverResult } from '@shoal/testing';
import { RedisClusterServer, RedisSentinelServer } from '@shoal/testing';
import { Cluster, Redis } from 'ioredis';

/** A private Redis topology with master failovers, for the scale suites. */
export interface Topology {
  /** The sample's environment for it (`REDIS_CLUSTER`, or `REDIS_SENTINELS` + `REDIS_SENTINEL_NAME`). */
  readonly env: Record<string, string>;
  /** A new client of it (errors while a master is down are swallowed; ioredis reconnects by itself). */
  connect(): Redis | Cluster;
  /** SIGKILLs the master serving `key` (Sentinel: the only master) and waits for the promotion. */
  killMaster(key: string): Promise<FailoverResult>;
  /** Brings killed Redis nodes back as replicas, so the topology can fail over again. */
  heal(): Promise<void>;
  stop(): Promise<void>;
}

function quiet<T extends Redis | Cluster>(client: T): T {
  client.on('error', () => undefined);
  return client;
}

/** 3 masters + 3 replicas. */
export async function startRedisCluster(): Promise<Topology> {
  const cluster = await RedisClusterServer.start();
  return {
    env: { REDIS_CLUSTER: cluster.seedList },
    connect: () => quiet(new Cluster(cluster.seeds)),
    killMaster: (key) => cluster.failover({ key, kill: true }),
    heal: () => cluster.heal(),
    stop: () => cluster.stop(),
  };
}

/** 1 master, 1 replica, 3 sentinels. */
export async function startRedisSentinel(): Promise<Topology> {
  const setup = await RedisSentinelServer.start({ name: 'shoal' });
  return {
    env: { REDIS_SENTINELS: setup.sentinelList, REDIS_SENTINEL_NAME: setup.name },
    connect: () => quiet(new Redis({ sentinels: setup.sentinels, name: setup.name })),
    killMaster: () => setup.failover({ kill: true }),
    heal: () => setup.heal(),
    stop: () => setup.stop(),
  };
}
