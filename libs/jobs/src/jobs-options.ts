import type { ZodType } from 'zod';

/** Retry settings of jobs. */
export interface JobRetryOptions {
  /** Attempts in all (first try included). Default 5. */
  attempts?: number;
  /** Exponential backoff: `delay * 2^(n-1)` ms with `jitter` (0-1, share of the delay randomized). Default 1000, 0.5. */
  backoff?: { delay?: number; jitter?: number };
}

/** Options of `JobsModule.forRoot()`. Every duration is in milliseconds. */
export interface JobsModuleOptions {
  /** Defaults of every queue. */
  defaults?: JobRetryOptions & {
    /** Completed jobs kept (count). Default 1000. */
    keepCompleted?: number;
    /** Failed jobs kept (count). Default 5000. */
    keepFailed?: number;
  };
  /**
   * Where jobs live: `redis` (BullMQ) or `postgres` (pg-boss, over the ClusterModule's pool and LISTEN connection).
   * Default: `redis` when ClusterModule has Redis, else `postgres`.
   */
  backend?: 'redis' | 'postgres';
  /** The Postgres backend: how often idle workers poll (NOTIFY wakes them at once on enqueue). Default 500. */
  postgres?: { pollInterval?: number };
  /** `false` for replicas that only enqueue (API nodes): no worker runs here. Default true. */
  workers?: boolean;
  /** At shutdown, how long active jobs get to finish before their workers are forced closed. Default 30000. */
  shutdownGracePeriod?: number;
  /**
   * Stalled-job detection: a worker holds a lock on each active job, renewed every `lockDuration / 2`; a job whose
   * lock expired (its worker died or its event loop is blocked) is moved back to waiting at the next check, every
   * `stalledInterval`. Default 15000 / 5000: a killed worker's jobs restart within ~20 s. On Postgres the lock is the
   * job's pg-boss expiry (whole seconds), renewed the same way, checked by pg-boss maintenance.
   */
  stalled?: { lockDuration?: number; stalledInterval?: number; maxStalledCount?: number };
}

/** Options of `JobsModule.registerQueue()`. */
export interface QueueOptions extends JobRetryOptions {
  /** Queue name: letters, digits, `-`, `_`, `.`. */
  name: string;
  /** Jobs processed at once per node. Default 10. */
  concurrency?: number;
  /** At most `max` jobs per `duration` ms across the cluster. */
  limiter?: { max: number; duration: number };
  /** `enqueue` rejects with `QueueFullError` past this many waiting + delayed jobs. Default: unbounded. */
  maxWaiting?: number;
  /** Zod schemas of job data by job name; `enqueue` validates against them. */
  jobs?: Record<string, ZodType>;
}

/** Defaults of `JobsModule` options. */
export const JOBS_DEFAULTS = {
  attempts: 5,
  backoff: { delay: 1000, jitter: 0.5 },
  keepCompleted: 1000,
  keepFailed: 5000,
  concurrency: 10,
  shutdownGracePeriod: 30_000,
  postgres: { pollInterval: 500 },
  stalled: { lockDuration: 15_000, stalledInterval: 5_000, maxStalledCount: 1 },
} as const;
