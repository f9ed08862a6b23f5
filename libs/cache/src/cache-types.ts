import type { EntityManager } from 'typeorm';
import type { CacheBusKind, CacheProvider } from './cache-options.js';
import type { CacheTier } from './engine/lookup-probe.js';

export type { CacheTier };

/** How long a value lives, and what it is tagged with. Durations in milliseconds. */
export interface CacheEntryOptions {
  /** Time the value stays fresh. Default: the module's `ttl`. */
  ttl?: number;
  /** How long after `ttl` the old value may still be served (while refreshing, or when the factory fails). */
  grace?: number | false;
  /** Tags for `deleteByTag` (tags belong to the namespace the entry is in). */
  tags?: readonly string[];
}

/** Options of `getOrSet`. */
export interface GetOrSetOptions extends CacheEntryOptions {
  /** Cluster-wide single flight for this call. Default: the module's `singleFlight`. */
  singleFlight?: boolean;
  /** With a stale value in grace: a factory slower than this returns the stale value, refreshing in background. */
  timeout?: number;
  /** A factory slower than this fails with `CacheFactoryTimeoutError`. */
  hardTimeout?: number;
}

/** What a factory can do besides returning the value. */
export interface CacheFactoryContext<T> {
  /** The stale value in grace, if any (e.g. to revalidate with an ETag). */
  readonly stale: T | undefined;
  /** Overrides the TTL of the value being loaded. */
  setTtl(ttl: number): void;
  /** Adds tags to the value being loaded. */
  setTags(tags: readonly string[]): void;
}

/** Loads a value on a miss. Return `null` to cache "nothing there"; returning `undefined` is an error. */
export type CacheFactory<T> = (context: CacheFactoryContext<T>) => T | Promise<T>;

/** Options of `delete` and `deleteByTag`. */
export interface InvalidateOptions {
  /**
   * A TypeORM `EntityManager` inside a transaction: the invalidation is written to the outbox in that transaction
   * and happens only if it commits (right after the commit on this node, and through the event bus everywhere —
   * also if this node dies right after committing). Needs `EventBusModule`.
   */
  manager?: EntityManager;
}

/** A value and the tier that served it. */
export interface CacheResult<T> {
  readonly value: T;
  readonly servedFrom: CacheTier;
}

/** This node's cache as `CacheService.status()` sees it, for health checks and dashboards. */
export interface CacheStatus {
  readonly provider: CacheProvider;
  /** The invalidation bus, or `false` without one. */
  readonly bus: CacheBusKind | false;
  /**
   * Whether this node receives the other nodes' invalidations right now (`true` without a bus: there is none to
   * miss). While `false`, its L1 may serve a value changed elsewhere; L1 is cleared when the bus is back.
   */
  readonly busListening: boolean;
  /** Entries in this node's L1, every namespace included. */
  readonly l1Entries: number;
}
