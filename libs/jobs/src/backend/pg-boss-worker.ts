import { CORRELATION_OPTION } from '../workers/job-correlation.js';
import { Logger } from '@nestjs/common';
import type PgBoss from 'pg-boss';
import type { Job } from '../workers/job.js';
import type { JobControl, WorkerSpec } from './jobs-backend.js';
import type { PgBossDb, pgBossStatements } from './pg-boss-sql.js';

/** What Shoal stores as a pg-boss job's data: the job name (pg-boss's name is the queue) and the data. */
export interface PgBossPayload {
  readonly n: string;
  readonly d: unknown;
  /** A custom backoff type, if any. */
  readonly b?: string;
  /** The correlation id it was enqueued with. */
  readonly c?: string;
}

/** Thrown by `postpone` so the attempt ends without counting. */
class PostponedError extends Error {
  override readonly name = 'DelayedError';
}

/** Longest a free slot waits for others to free up before it is refilled, while the queue has a backlog. */
const REFILL_WAIT_MS = 25;

/**
 * One queue's worker on pg-boss: fetches up to `concurrency` jobs (`FOR UPDATE SKIP LOCKED`), woken by a NOTIFY
 * after each enqueue and polling as a fallback. While the queue has a backlog it refills once half of its slots are
 * free, or {@link REFILL_WAIT_MS} after its last fetch, whichever comes first — not on every finished job, which
 * would cost a round trip and a locking scan per job; renews the expiry of its active jobs every `lockDuration / 3`
 * (a killed node's jobs expire and are retried by pg-boss's maintenance); completes, retries with Shoal's backoff,
 * or fails each job itself.
 */
export class PgBossQueueWorker {
  private readonly logger = new Logger('Shoal:Jobs');
  private readonly active = new Map<string, Promise<void>>();
  private stopping = false;
  private wakeUp?: () => void;
  private loop?: Promise<void>;
  private renewTimer?: NodeJS.Timeout;
  /** The last fetch filled every slot it asked for: more jobs are probably waiting. */
  private backlog = false;
  private lastFetchAt = 0;

  constructor(
    private readonly boss: PgBoss,
    private readonly db: PgBossDb,
    private readonly sql: ReturnType<typeof pgBossStatements>,
    private readonly spec: WorkerSpec,
    private readonly timing: { pollInterval: number; lockDuration: number },
    /** The queue's own backoff (exponential with jitter) after `attempt` failed. */
    private readonly defaultBackoff: (attempt: number) => number,
  ) {}

  start(): void {
    this.loop = this.run();
    this.renewTimer = setInterval(() => void this.renew(), Math.max(250, this.timing.lockDuration / 3));
  }

  /** A job may be waiting: fetch now. */
  wake(): void {
    this.wakeUp?.();
  }

  /** Stops fetching and waits up to `graceMs` for active jobs; later ones are left to expire and be retried. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loop;
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      Promise.allSettled([...this.active.values()]).then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
    ]);
    clearTimeout(timer);
    clearInterval(this.renewTimer);
    if (!drained) {
      this.logger.warn(
        `worker ${this.spec.queue.name}: jobs still active after the grace period; they will be retried`,
      );
    }
  }

  private async run(): Promise<void> {
    const name = this.spec.queue.name;
    while (!this.stopping) {
      const free = this.spec.concurrency - this.active.size;
      const sinceFetch = performance.now() - this.lastFetchAt;
      let fetched = 0;
      const refill =
        free > 0 && (!this.backlog || free >= this.spec.concurrency / 2 || sinceFetch >= REFILL_WAIT_MS);
      if (refill) {
        this.lastFetchAt = performance.now();
        const jobs = await this.boss
          .fetch<PgBossPayload>(name, { batchSize: free, includeMetadata: true })
          .catch((error: unknown) => {
            this.spec.emit('error', error);
            return [];
          });
        fetched = jobs.length;
        this.backlog = fetched === free;
        for (const job of jobs) {
          const running = this.process(job).finally(() => {
            this.active.delete(job.id);
            this.wake();
          });
          this.active.set(job.id, running);
        }
      }
      if (fetched > 0 && fetched === free) continue;
      const wait = free > 0 && !refill ? Math.max(0, REFILL_WAIT_MS - sinceFetch) : this.timing.pollInterval;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        this.wakeUp = () => {
          clearTimeout(timer);
          this.wakeUp = undefined;
          resolve();
        };
      });
    }
  }

  private async process(raw: PgBoss.JobWithMetadata<PgBossPayload>): Promise<void> {
    const queue = this.spec.queue.name;
    const job: Job = {
      id: raw.id,
      name: raw.data.n,
      data: raw.data.d,
      queueName: queue,
      attemptsMade: raw.retryCount,
      opts: {
        attempts: raw.retryLimit + 1,
        priority: raw.priority ? -raw.priority : undefined,
        ...(raw.data.c ? { [CORRELATION_OPTION]: raw.data.c } : {}),
      },
      timestamp: new Date(raw.createdOn).getTime(),
      returnvalue: undefined,
    };
    const control: JobControl = {
      attempt: raw.retryCount + 1,
      maxAttempts: raw.retryLimit + 1,
      postpone: async (ms) => {
        await this.db.executeSql(this.sql.postpone, [queue, raw.id, Math.max(0, Math.round(ms))]);
        throw new PostponedError(`postponed ${ms} ms`);
      },
    };
    this.spec.emit('active', job);
    try {
      const result = await this.spec.run(job, control);
      job.returnvalue = result;
      await this.boss.complete(queue, raw.id);
      this.spec.emit('completed', job, result);
    } catch (error) {
      if (error instanceof PostponedError) return;
      await this.settleFailure(job, raw.data.b, control, error).catch((failure: unknown) =>
        this.logger.warn(`job ${raw.id} on ${queue}: could not record its failure (${String(failure)})`),
      );
      this.spec.emit('failed', job, error);
    }
  }

  private async settleFailure(
    job: Job,
    backoff: string | undefined,
    control: JobControl,
    error: unknown,
  ): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    const output = JSON.stringify({ message });
    const final =
      (error instanceof Error && error.name === 'UnrecoverableError') ||
      control.attempt >= control.maxAttempts;
    const queue = this.spec.queue.name;
    if (final) {
      await this.db.executeSql(this.sql.fail, [queue, job.id, output]);
      return;
    }
    const delay = backoff
      ? this.spec.backoff(control.attempt, backoff, error instanceof Error ? error : undefined)
      : this.defaultBackoff(control.attempt);
    await this.db.executeSql(this.sql.retry, [queue, job.id, Math.max(0, Math.round(delay)), output]);
  }

  private async renew(): Promise<void> {
    if (this.active.size === 0) return;
    await this.db
      .executeSql(this.sql.renew, [this.spec.queue.name, [...this.active.keys()]])
      .catch((error: unknown) => this.logger.debug(`renewing active jobs: ${String(error)}`));
  }
}
