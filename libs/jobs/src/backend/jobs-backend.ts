import type { Queue } from 'bullmq';
import type { DeadJob } from '../dead-letters/dead-job.js';
import type { QueueOptions } from '../jobs-options.js';
import type { Job } from '../workers/job.js';

/** How one job is added, after validation and the `maxWaiting` check. */
export interface AddJobOptions {
  /** The job id (from an idempotency key): a second add with the same id is a no-op. */
  readonly jobId?: string;
  readonly delay?: number;
  readonly priority?: number;
  /** Attempts of this job; default the queue's. */
  readonly attempts?: number;
  /** A custom backoff type (see `JobWorkers.backoff`). */
  readonly backoff?: string;
}

/** Job counts by state: `waiting` (incl. prioritized), `delayed`, `active`, `completed`, `failed`. */
export type JobCounts = Record<'waiting' | 'delayed' | 'active' | 'completed' | 'failed', number>;

/** What a running job can do besides succeed or throw. */
export interface JobControl {
  /** 1 on the first try. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** Runs the job again in `ms` without spending an attempt. */
  postpone(ms: number): Promise<never>;
}

/** A worker to start: one per queue with handlers, on nodes with `workers: true`. */
export interface WorkerSpec {
  readonly queue: QueueOptions;
  readonly concurrency: number;
  /** Runs a job; rejects to fail the attempt. */
  run(job: Job, control: JobControl): Promise<unknown>;
  /** The delay before the next attempt after `attemptsMade` failures with `error` (custom backoff types). */
  backoff(attemptsMade: number, type: string | undefined, error: Error | undefined): number;
  /** Worker events for `@OnWorkerEvent`. */
  emit(event: 'active' | 'completed' | 'failed' | 'error', ...args: unknown[]): void;
}

/**
 * Where jobs live: BullMQ on Redis, or pg-boss on Postgres. Everything above it (validation, back-pressure, outbox
 * enqueue, dead-lettering, processors, shutdown order) is the same on both.
 */
export interface JobsBackend {
  /** For the start-up log: `BullMQ on Redis`, `pg-boss on Postgres`. */
  readonly description: string;
  register(options: QueueOptions): void;
  /** The BullMQ `Queue` of `name` (`@InjectQueue`); throws on backends without one. */
  bullQueue(name: string): Queue;
  /** The id a job added with `jobId` has on this backend. */
  jobId(jobId: string): string;
  /** @returns the job id (the given `jobId`'s when the job already existed). */
  add(queue: string, name: string, data: unknown, options: AddJobOptions): Promise<string>;
  /** Jobs waiting or delayed (what `maxWaiting` bounds). */
  waiting(queue: string): Promise<number>;
  counts(queue: string): Promise<JobCounts>;
  startWorker(spec: WorkerSpec): void;
  /** Stops fetching and waits up to `graceMs` for active jobs; later ones are left to recovery on another node. */
  stopWorkers(graceMs: number): Promise<void>;
  addDeadLetter(queue: string, dead: Omit<DeadJob, 'id' | 'queue'>): Promise<void>;
  listDeadLetters(queue: string, limit: number): Promise<DeadJob[]>;
  /** Enqueues the dead job again (fresh attempts) and removes the dead letter. @returns the new job id. */
  replayDeadLetter(queue: string, id: string): Promise<string | undefined>;
  purgeDeadLetters(queue: string): Promise<number>;
  /** How many dead letters the queue holds. */
  deadLetterCount(queue: string): Promise<number>;
  close(): Promise<void>;
}

/** Injection token of this node's `JobsBackend`. */
export const JOBS_BACKEND = Symbol('shoal:jobs-backend');
