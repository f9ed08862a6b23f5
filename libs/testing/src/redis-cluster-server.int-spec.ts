import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Cluster, Redis } from 'ioredis';
import { eventually } from './eventually.js';
import { pingRedis } from './redis-server.js';
import { RedisClusterServer } from './redis-cluster-server.js';

const TIMEOUT = 120_000;
let cluster: RedisClusterServer;

beforeAll(async () => {
  cluster = await RedisClusterServer.start();
}, TIMEOUT);

afterAll(async () => {
  await cluster?.stop();
}, TIMEOUT);

function connect(): Cluster {
  return new Cluster(cluster.seeds, { clusterRetryStrategy: () => 100 });
}

describe('RedisClusterServer', () => {
  it('runs 3 masters and 3 replicas that serve every slot', async () => {
    expect(cluster.nodes).toHaveLength(6);
    expect(await cluster.masterPorts()).toHaveLength(3);
    expect(cluster.seedList.split(',')).toHaveLength(6);
    const client = connect();
    try {
      for (let i = 0; i < 30; i += 1) await client.set(`probe:${i}`, String(i));
      expect(await client.get('probe:17')).toBe('17');
    } finally {
      client.disconnect();
    }
  });

  it(
    'fails a master over gracefully without losing its writes',
    async () => {
      const client = connect();
      try {
        await client.set('{graceful}:key', 'kept');
        const before = await cluster.masterOf('{graceful}:key');
        const result = await cluster.failover({ key: '{graceful}:key' });
        expect(result.from).toBe(before);
        expect(await cluster.masterOf('{graceful}:key')).toBe(result.to);
        expect(await client.get('{graceful}:key')).toBe('kept');
        console.log(`graceful cluster failover took ${result.ms} ms`);
      } finally {
        client.disconnect();
      }
    },
    TIMEOUT,
  );

  it(
    'promotes the replica when its master is SIGKILLed',
    async () => {
      const client = connect();
      try {
        await client.set('{killed}:key', 'replicated');
        await client.wait(1, 1_000);
        const result = await cluster.failover({ key: '{killed}:key', kill: true });
        expect(await pingRedis(result.from)).toBe(false);
        expect(await cluster.masterOf('{killed}:key')).toBe(result.to);
        expect(await client.get('{killed}:key')).toBe('replicated');
        expect(cluster.seeds).toHaveLength(5);
        console.log(`cluster failover after SIGKILL took ${result.ms} ms`);
      } finally {
        client.disconnect();
      }
    },
    TIMEOUT,
  );

  it(
    'heals the killed node into a replica, so the same slots can fail over again',
    async () => {
      const client = connect();
      try {
        await cluster.heal();
        expect(cluster.seeds).toHaveLength(6);
        await client.set('{killed}:again', 'still here');
        // WAIT on the key's own master (a cluster client sends it to any node): the healed replica may still be
        // syncing, and a write it never got would be lost by the SIGKILL, which is not what this test is about.
        const master = new Redis(await cluster.masterOf('{killed}:again'), '127.0.0.1');
        try {
          await eventually(async () => (await master.wait(1, 500)) >= 1, { what: 'the write on a replica' });
        } finally {
          master.disconnect();
        }
        const result = await cluster.failover({ key: '{killed}:again', kill: true });
        expect(await cluster.masterOf('{killed}:again')).toBe(result.to);
        expect(await client.get('{killed}:again')).toBe('still here');
      } finally {
        client.disconnect();
      }
    },
    TIMEOUT,
  );
});
