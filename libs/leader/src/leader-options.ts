import type { Registry } from 'prom-client';
import type { MemoryLeaseHub } from './leases/memory-lease.hub.js';

/** Options of `LeaderModule.forRoot()`. Every duration is in milliseconds. */
export interface LeaderModuleOptions {
  /** Where leases live. Default: the `ClusterModule` membership store. */
  store?: 'redis' | 'postgres' | 'memory';
  /**
   * How long a lease lasts without renewal. After a crash, another node leads within this plus a few ms.
   * Default 3000.
   */
  leaseTtl?: number;
  /** How often the holder renews. Default `leaseTtl / 3`; at most half of `leaseTtl`. */
  renewInterval?: number;
  /** How often a follower tries to take a held lease (it also tries the moment the lease is released). Default 250. */
  retryInterval?: number;
  /** Names of the leases this node competes for from start-up, besides `leader`. */
  leases?: string[];
  /** At shutdown, how long to wait for running singleton calls before the lease is handed back. Default 5000. */
  shutdownGracePeriod?: number;
  /** Backoff of a `{ process: true }` singleton that throws: first delay and cap. Default 500 → 30000. */
  processRestart?: { initialDelay?: number; maxDelay?: number };
  /** Defaults of `LockService` and `@WithLock`. */
  locks?: { ttl?: number; wait?: number; retryDelay?: number; retryJitter?: number };
  /** Registry for the leader metrics. Default: the `ClusterModule` one. */
  metricsRegistry?: Registry;
  /** The in-process hub memory lease stores share. Default: one per process. */
  memoryHub?: MemoryLeaseHub;
  /** Let the memory store start with `NODE_ENV=production`. Default false. */
  allowMemoryStoreInProduction?: boolean;
}

/** Defaults of `LeaderModule` options. */
export const LEADER_DEFAULTS = {
  leaseTtl: 3000,
  retryInterval: 250,
  shutdownGracePeriod: 5000,
  processRestart: { initialDelay: 500, maxDelay: 30_000 },
  locks: { ttl: 10_000, wait: 10_000, retryDelay: 50, retryJitter: 50 },
} as const;
