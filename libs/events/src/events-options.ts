import type { Registry } from 'prom-client';
import type { MemoryEventHub } from './transport/memory-event.hub.js';

/** Options of `EventBusModule.forRoot()`. Every duration is in milliseconds. */
export interface EventBusModuleOptions {
  /**
   * `redis` (Streams; default when ClusterModule has Redis), `postgres` (an event log table with claims and
   * LISTEN/NOTIFY wake-ups; default without Redis), `memory` (one process).
   */
  transport?: 'redis' | 'postgres' | 'memory';
  /** Largest serialized payload accepted by `publish`. Default 262144 (256 KiB). */
  maxPayloadBytes?: number;
  /** The transactional outbox (needs Postgres). */
  outbox?: {
    /** Create `<prefix>.outbox` at start-up if missing (otherwise use the exported migration). Default true. */
    createTable?: boolean;
  };
  /** The relay that moves committed outbox rows to the transport. */
  relay?: {
    /** `all` (default): every node relays, safely in parallel; `off`: this node never relays. */
    mode?: 'all' | 'off';
    /** Rows per relay transaction. Default 200. */
    batchSize?: number;
    /** Polling fallback when no NOTIFY arrives. Default 1000. */
    pollInterval?: number;
    /** Published rows are deleted after this long. Default 7 days. */
    retention?: number;
    /**
     * When Redis loses its data (restart without persistence, failover to an empty replica, FLUSHALL), rows published
     * within this window are published again. At most `retention`. Default: `retention`.
     */
    recoveryWindow?: number;
  };
  /** Defaults for `@OnEvent` handlers. */
  handlers?: {
    /** Attempts before an event is dead-lettered. Default 5. */
    maxAttempts?: number;
    /** Backoff between attempts: `initialDelay * 2^(n-1)`, capped, with ±20 % jitter. Default 200 → 10000. */
    backoff?: { initialDelay?: number; maxDelay?: number };
    /** Concurrent calls per handler per node. Default 8. */
    concurrency?: number;
    /** How long `idempotent: true` remembers a handled event id. Default 7 days. */
    idempotencyWindow?: number;
  };
  /** Redis Streams settings. */
  streams?: {
    /** Approximate entries kept per event type (`XADD MAXLEN ~`). Default 100000. */
    maxLen?: number;
    /** A message pending this long on a live consumer is taken over (hung handler). Default 60000. */
    claimIdleTime?: number;
    /**
     * Replicas that must confirm each publish (`WAIT`) before it counts as done; 0 (default) does not wait. Redis
     * replicates asynchronously, so a master that dies right after acknowledging an `XADD` can take the event with it
     * when a replica is promoted (Sentinel, Cluster). With `1` on a master with one replica, an event the relay marked
     * published survives that failover; a publish the replicas do not confirm in time fails with
     * `EventNotReplicatedError` (outbox rows are then sent again). Costs one replication round trip per batch.
     */
    waitReplicas?: number;
    /** How long a publish waits for `waitReplicas` confirmations. Default 1000. */
    waitTimeout?: number;
  };
  /** The Postgres event log (`transport: 'postgres'`). */
  log?: {
    /** Events are deleted from the log after this long (handlers lagging more lose them). Default 7 days. */
    retention?: number;
    /** Polling fallback when no NOTIFY wakes a reader. Default 1000. */
    pollInterval?: number;
  };
  /** At shutdown, how long running handlers get to finish. Default 10000. */
  shutdownGracePeriod?: number;
  /** Registry for event metrics. Default: the ClusterModule one. */
  metricsRegistry?: Registry;
  /** The in-process hub memory transports share. */
  memoryHub?: MemoryEventHub;
  /** Let the memory transport start with `NODE_ENV=production`. Default false. */
  allowMemoryStoreInProduction?: boolean;
}

const DAY = 24 * 60 * 60 * 1000;

/** Defaults of `EventBusModule` options. */
export const EVENTS_DEFAULTS = {
  maxPayloadBytes: 256 * 1024,
  relay: { mode: 'all', batchSize: 200, pollInterval: 1000, retention: 7 * DAY },
  handlers: {
    maxAttempts: 5,
    backoff: { initialDelay: 200, maxDelay: 10_000 },
    concurrency: 8,
    idempotencyWindow: 7 * DAY,
  },
  streams: { maxLen: 100_000, claimIdleTime: 60_000, waitReplicas: 0, waitTimeout: 1000 },
  log: { retention: 7 * DAY, pollInterval: 1000 },
  shutdownGracePeriod: 10_000,
} as const;
