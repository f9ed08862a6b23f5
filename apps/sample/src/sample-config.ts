import type { CacheModuleOptions } from '@shoal/cache';
import type { ClusterModuleOptions } from '@shoal/cluster';
import type { EventBusModuleOptions } from '@shoal/events';
import type { JobsModuleOptions } from '@shoal/jobs';
import type { LeaderModuleOptions } from '@shoal/leader';
import type { RealtimeAdapterKind } from '@shoal/realtime';
import { DEVELOPMENT_AUTH_SECRET } from './realtime/sample-auth.js';
import { readRedisOption, redisConfigured } from './redis-env.js';

/** The sample app's settings, all from the environment. */
export interface SampleConfig {
  readonly port: number;
  readonly cluster: ClusterModuleOptions;
  readonly leader: LeaderModuleOptions;
  readonly events: EventBusModuleOptions;
  readonly jobs: JobsModuleOptions;
  readonly jobConcurrency: number;
  readonly realtime: {
    readonly adapter?: RealtimeAdapterKind;
    readonly sockets: boolean;
    readonly authSecret: string;
  };
  readonly cache: CacheModuleOptions;
}

function optionalNumber(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got "${raw}"`);
  return value;
}

/**
 * Reads `PORT`, `SHOAL_NODE_ID`, the Redis topology (`REDIS_URL`, or `REDIS_CLUSTER`, or `REDIS_SENTINELS` with
 * `REDIS_SENTINEL_NAME`: see {@link readRedisOption}), `DATABASE_URL`, `SHOAL_PREFIX`, `SHOAL_STORE`
 * (`redis` | `postgres`), `SHOAL_HEARTBEAT_INTERVAL`, `SHOAL_FAILURE_TIMEOUT`, `SHOAL_LEASE_TTL` and `SHOAL_RELAY`
 * (`all` | `off`: whether this replica relays the outbox), `SHOAL_WORKERS` (`false`: enqueue only), `JOBS_CONCURRENCY`,
 * `SHOAL_JOBS_LOCK_DURATION` and `WEBHOOKS_ALLOW_PRIVATE_NETWORKS` (`true` in the demo and tests);
 * `CACHE_PROVIDER` (`local` | `redis`, default `redis` when a Redis is set), `CACHE_SINGLE_FLIGHT` (`false` turns
 * cluster-wide single flight off) and `CACHE_LOCK_TTL`; `SHOAL_SOCKETS` (`false`: this replica serves no sockets but
 * emits), `SHOAL_SOCKET_ADAPTER` (`redis` | `sharded` | `streams` | `postgres`) and `SAMPLE_AUTH_SECRET` (signs the
 * live feed's tokens; a development default).
 */
export function readSampleConfig(env: NodeJS.ProcessEnv = process.env): SampleConfig {
  const store = (env.SHOAL_STORE ?? 'redis') as ClusterModuleOptions['store'];
  const lockDuration = optionalNumber(env, 'SHOAL_JOBS_LOCK_DURATION');
  return {
    port: optionalNumber(env, 'PORT') ?? 3000,
    cluster: {
      redis: readRedisOption(env),
      postgres: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      store,
      nodeId: env.SHOAL_NODE_ID || undefined,
      prefix: env.SHOAL_PREFIX || undefined,
      heartbeatInterval: optionalNumber(env, 'SHOAL_HEARTBEAT_INTERVAL'),
      failureTimeout: optionalNumber(env, 'SHOAL_FAILURE_TIMEOUT'),
      nodeHeader: true,
    },
    leader: { leaseTtl: optionalNumber(env, 'SHOAL_LEASE_TTL') },
    events: { relay: { mode: env.SHOAL_RELAY === 'off' ? 'off' : 'all' } },
    jobs: {
      workers: env.SHOAL_WORKERS !== 'false',
      stalled: lockDuration
        ? { lockDuration, stalledInterval: Math.max(500, Math.floor(lockDuration / 2)) }
        : undefined,
      webhooks: { allowPrivateNetworks: env.WEBHOOKS_ALLOW_PRIVATE_NETWORKS === 'true' },
    },
    jobConcurrency: optionalNumber(env, 'JOBS_CONCURRENCY') ?? 20,
    realtime: {
      adapter: (env.SHOAL_SOCKET_ADAPTER || undefined) as RealtimeAdapterKind | undefined,
      sockets: env.SHOAL_SOCKETS !== 'false',
      authSecret: env.SAMPLE_AUTH_SECRET || DEVELOPMENT_AUTH_SECRET,
    },
    cache: readCacheConfig(env),
  };
}

function readCacheConfig(env: NodeJS.ProcessEnv): CacheModuleOptions {
  const provider = env.CACHE_PROVIDER ?? (redisConfigured(env) ? 'redis' : 'local');
  if (provider !== 'local' && provider !== 'redis') {
    throw new Error(`CACHE_PROVIDER must be local or redis, got "${provider}"`);
  }
  const singleFlight = provider === 'redis' && env.CACHE_SINGLE_FLIGHT !== 'false';
  const lockTtl = optionalNumber(env, 'CACHE_LOCK_TTL');
  return {
    provider,
    ttl: 60_000,
    singleFlight: singleFlight ? { lockTtl } : false,
  };
}
