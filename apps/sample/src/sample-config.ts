import type { CacheModuleOptions } from '@shoal/cache';
import type { ClusterModuleOptions } from '@shoal/cluster';
import type { EventBusModuleOptions } from '@shoal/events';
import type { HealthModuleOptions } from '@shoal/health';
import type { JobsModuleOptions } from '@shoal/jobs';
import type { LeaderModuleOptions } from '@shoal/leader';
import type { RealtimeAdapterKind } from '@shoal/realtime';
import type { WebhooksModuleOptions } from '@shoal/webhooks';
import { DEVELOPMENT_AUTH_SECRET } from './realtime/sample-auth.js';
import { readRedisOption } from './redis-env.js';

/** Injection token of the sample's `SampleConfig` (for providers that need a setting). */
export const SAMPLE_CONFIG = Symbol('sample:config');

/** The sample app's settings, all from the environment, read once by `readSampleConfig` at start-up. */
export interface SampleConfig {
  readonly port: number;
  /** The `@Singleton()` demo task: how often it runs and how long each run works. */
  readonly singleton: { readonly intervalMs: number; readonly workMs: number };
  readonly cluster: ClusterModuleOptions;
  readonly leader: LeaderModuleOptions;
  readonly events: EventBusModuleOptions;
  readonly jobs: JobsModuleOptions;
  readonly webhooks: WebhooksModuleOptions;
  readonly jobConcurrency: number;
  /** `sample-work` refuses new jobs (HTTP 429) past this many waiting. Default: unbounded. */
  readonly jobMaxWaiting?: number;
  readonly realtime: {
    readonly adapter?: RealtimeAdapterKind;
    readonly sockets: boolean;
    readonly authSecret: string;
  };
  readonly cache: CacheModuleOptions;
  readonly health: HealthModuleOptions;
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
 * `REDIS_SENTINEL_NAME`: see {@link readRedisOption}; none set: Postgres only), `DATABASE_URL`, `SHOAL_PREFIX`,
 * `SHOAL_STORE` (`redis` | `postgres`; default `redis` when a Redis is set), `SHOAL_HEARTBEAT_INTERVAL`,
 * `SHOAL_FAILURE_TIMEOUT`, `SHOAL_LEASE_TTL` and `SHOAL_RELAY`
 * (`all` | `off`: whether this replica relays the outbox), `SHOAL_WORKERS` (`false`: enqueue only), `SHOAL_JOBS_BACKEND`
 * (`redis` | `postgres`; default: `redis` when Redis is configured), `JOBS_CONCURRENCY`, `JOBS_MAX_WAITING`,
 * `SHOAL_JOBS_LOCK_DURATION`, `SINGLETON_INTERVAL_MS` (default 1000), `SINGLETON_WORK_MS` (default 20) and
 * `WEBHOOKS_ALLOW_PRIVATE_NETWORKS` (`true` in the demo and tests);
 * `CACHE_PROVIDER` (`local` | `redis`, default `redis` when a Redis is set), `CACHE_SINGLE_FLIGHT` (`false` turns
 * cluster-wide single flight off) and `CACHE_LOCK_TTL`; `SHOAL_SOCKETS` (`false`: this replica serves no sockets but
 * emits), `SHOAL_SOCKET_ADAPTER` (`redis` | `sharded` | `streams` | `postgres`) and `SAMPLE_AUTH_SECRET` (signs the
 * live feed's tokens; a development default); `SHOAL_DRAIN_DELAY` and `SHOAL_SHUTDOWN_GRACE` (ms: the graceful stop's
 * drain delay and in-flight grace, HealthModule's defaults when unset).
 */
export function readSampleConfig(env: NodeJS.ProcessEnv = process.env): SampleConfig {
  // No Redis configured: the whole sample runs on Postgres alone (membership, leases, locks, events, jobs, sockets,
  // cache invalidation); only the sharded accounts need Redis and are left out.
  const redis = readRedisOption(env);
  const store = (env.SHOAL_STORE || (redis ? 'redis' : 'postgres')) as ClusterModuleOptions['store'];
  const lockDuration = optionalNumber(env, 'SHOAL_JOBS_LOCK_DURATION');
  return {
    port: optionalNumber(env, 'PORT') ?? 3000,
    singleton: {
      intervalMs: optionalNumber(env, 'SINGLETON_INTERVAL_MS') ?? 1000,
      workMs: optionalNumber(env, 'SINGLETON_WORK_MS') ?? 20,
    },
    cluster: {
      redis,
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
      backend: readJobsBackend(env.SHOAL_JOBS_BACKEND),
      workers: env.SHOAL_WORKERS !== 'false',
      stalled: lockDuration
        ? { lockDuration, stalledInterval: Math.max(500, Math.floor(lockDuration / 2)) }
        : undefined,
    },
    webhooks: { allowPrivateNetworks: env.WEBHOOKS_ALLOW_PRIVATE_NETWORKS === 'true' },
    jobConcurrency: optionalNumber(env, 'JOBS_CONCURRENCY') ?? 20,
    jobMaxWaiting: optionalNumber(env, 'JOBS_MAX_WAITING'),
    realtime: {
      adapter: (env.SHOAL_SOCKET_ADAPTER || undefined) as RealtimeAdapterKind | undefined,
      sockets: env.SHOAL_SOCKETS !== 'false',
      authSecret: env.SAMPLE_AUTH_SECRET || DEVELOPMENT_AUTH_SECRET,
    },
    cache: readCacheConfig(env, redis !== undefined),
    health: {
      drainDelay: optionalNumber(env, 'SHOAL_DRAIN_DELAY'),
      shutdownGrace: optionalNumber(env, 'SHOAL_SHUTDOWN_GRACE'),
    },
  };
}

function readJobsBackend(raw: string | undefined): JobsModuleOptions['backend'] {
  if (raw === undefined || raw === '') return undefined;
  if (raw !== 'redis' && raw !== 'postgres')
    throw new Error(`SHOAL_JOBS_BACKEND must be redis or postgres, got "${raw}"`);
  return raw;
}

function readCacheConfig(env: NodeJS.ProcessEnv, withRedis: boolean): CacheModuleOptions {
  const provider = env.CACHE_PROVIDER ?? (withRedis ? 'redis' : 'local');
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
