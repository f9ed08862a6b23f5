import type { Registry } from 'prom-client';

/** Where cached values live: this process only, or this process in front of a Redis shared by every replica. */
export type CacheProvider = 'local' | 'redis';

/** What carries invalidations between replicas. */
export type CacheBusKind = 'redis' | 'postgres';

/** Cluster-wide single flight: concurrent misses of one key on several replicas load it once. */
export interface SingleFlightOptions {
  /**
   * TTL of the loader's lock. It is extended while the factory runs; if the loader dies, another replica loads
   * within this. Default 5000.
   */
  lockTtl?: number;
  /** Longest a replica waits for another's load before it loads on its own. Default 10000. */
  wait?: number;
  /** How often a waiting replica looks for the value (it also wakes when the loader announces it). Default 25. */
  pollInterval?: number;
}

/** Options of `CacheModule.forRoot()`. Every duration is in milliseconds. */
export interface CacheModuleOptions {
  /**
   * `local`: an in-process LRU only, no Redis needed. `redis`: the in-process LRU (L1) in front of Redis (L2)
   * shared by every replica. Default: `redis` when `ClusterModule` has Redis, else `local`.
   */
  provider?: CacheProvider;
  /**
   * What carries invalidations to the other replicas' L1: Redis pub/sub, Postgres `LISTEN/NOTIFY`, or `false` for
   * none (a single replica). Default: `redis` when `ClusterModule` has Redis, else `postgres` when it has Postgres,
   * else none.
   */
  bus?: CacheBusKind | false;
  /** Name of this cache: part of every key (`<prefix>:cache:<namespace>:<key>`). Default `default`. */
  namespace?: string;
  /** Time a value stays fresh. Default 300000 (5 min): the bound on staleness should an invalidation be lost. */
  ttl?: number;
  /**
   * After `ttl`, keep serving the old value this long while it is being refreshed, or when the factory fails.
   * Default `false` (off).
   */
  grace?: number | false;
  /** Entries kept in each replica's in-process LRU. Default 10000. */
  maxEntries?: number;
  /** With a stale value in grace, a factory slower than this returns the stale value and goes on in the background. */
  timeout?: number;
  /** A factory slower than this fails with a timeout error (no stale value to serve). Default: none. */
  hardTimeout?: number;
  /** Cluster-wide single flight for `getOrSet` (needs `provider: 'redis'` and `LeaderModule`). Default off. */
  singleFlight?: boolean | SingleFlightOptions;
  /**
   * Provide `@nestjs/cache-manager`'s `CACHE_MANAGER` backed by this cache, so its `CacheInterceptor` and
   * `@CacheKey()`/`@CacheTTL()` work unchanged (needs `cache-manager` and `keyv` installed). Default true.
   */
  cacheManager?: boolean;
  /** Registry for the cache metrics. Default: the `ClusterModule` one. */
  metricsRegistry?: Registry;
}

/** Defaults of `CacheModule` options. */
export const CACHE_DEFAULTS = {
  namespace: 'default',
  ttl: 300_000,
  grace: false,
  maxEntries: 10_000,
  singleFlight: { lockTtl: 5000, wait: 10_000, pollInterval: 25 },
  cacheManager: true,
} as const;
