import { Logger } from '@nestjs/common';
import { PostgresListener, type TickBatcher } from '@shoal/cluster/internal';
import type { Queue } from 'bullmq';
import { createHash, randomUUID } from 'node:crypto';
import PgBoss from 'pg-boss';
import type { DataSource } from 'typeorm';
import type { DeadJob } from '../dead-letters/dead-job.js';
import type { JobsConfig } from '../jobs-config.js';
import type { QueueOptions } from '../jobs-options.js';
import type { AddJobOptions, JobCounts, JobsBackend, WorkerSpec } from './jobs-backend.js';
import { PgBossDeadLetters } from './pg-boss-dead-letters.js';
import { pgBossInsertBatcher } from './pg-boss-insert-batcher.js';
import { dataSourcePool, pgBossStatements, type PgBossDb } from './pg-boss-sql.js';
import { PgBossQueueWorker, type PgBossPayload } from './pg-boss-worker.js';

/**
 * Jobs on Postgres alone, on pg-boss (schema `<prefix>_jobs`), over the ClusterModule's own pool and its shared
 * LISTEN connection: an enqueue sends a NOTIFY on `<prefix>:jobs` that wakes the workers of every node at once
 * (polling every `postgres.pollInterval` is the fallback, and what starts delayed jobs). Job ids are UUIDs derived
 * from the idempotency key, so the same key gives one job while pg-boss keeps it (until it is archived).
 */
export class PgBossBackend implements JobsBackend {
  readonly description = 'pg-boss on Postgres';
  private readonly logger = new Logger('Shoal:Jobs');
  private readonly boss: PgBoss;
  private readonly inserts: TickBatcher<PgBoss.JobInsert & { id: string }>;
  private readonly db: PgBossDb;
  private readonly sql: ReturnType<typeof pgBossStatements>;
  private readonly deadLetters: PgBossDeadLetters;
  private readonly workers = new Map<string, PgBossQueueWorker>();
  private readonly queues = new Map<string, Promise<void>>();
  private readonly listener: PostgresListener;
  private readonly channel: string;
  private readonly pendingNotify = new Set<string>();
  private started?: Promise<void>;
  private creating: Promise<void> = Promise.resolve();
  private listening?: Promise<void>;

  constructor(
    dataSource: DataSource,
    prefix: string,
    private readonly config: JobsConfig,
  ) {
    const schema = `${prefix}_jobs`;
    if (!/^[a-z_][a-z0-9_]{0,50}$/.test(schema)) {
      throw new Error(
        `JobsModule on Postgres: the cluster prefix "${prefix}" must be lower-case letters, digits and _ (pg-boss schema name)`,
      );
    }
    this.db = dataSourcePool(dataSource);
    this.sql = pgBossStatements(schema);
    this.deadLetters = new PgBossDeadLetters(dataSource, this.db, prefix);
    this.boss = new PgBoss({
      db: this.db as PgBoss.Db,
      schema,
      schedule: false,
      supervise: true,
      migrate: true,
      maintenanceIntervalSeconds: Math.max(1, Math.round(config.stalled.stalledInterval / 1000)),
      monitorStateIntervalSeconds: 3600,
    });
    this.inserts = pgBossInsertBatcher(this.boss);
    this.boss.on('error', (error) => this.logger.debug(`pg-boss: ${error.message}`));
    this.channel = `${prefix}:jobs`;
    this.listener = new PostgresListener(
      dataSource,
      this.channel,
      (queue) => this.workers.get(queue)?.wake(),
      () => {
        for (const worker of this.workers.values()) worker.wake();
      },
    );
  }

  register(options: QueueOptions): void {
    if (options.limiter) {
      throw new Error(
        `queue "${options.name}": \`limiter\` (a cluster-wide rate limit) needs the Redis backend; remove it or configure Redis`,
      );
    }
    if (this.queues.has(options.name)) return;
    // One at a time, retried: nodes starting together create the same queues (pg-boss may report a deadlock).
    const previous = this.creating;
    const created = previous.then(async () => {
      await this.start();
      for (let attempt = 1; ; attempt += 1) {
        try {
          await this.boss.createQueue(options.name, {
            name: options.name,
            retryLimit: (options.attempts ?? this.config.attempts) - 1,
            retryDelay: 0,
            retryBackoff: false,
            expireInSeconds: Math.max(1, Math.ceil(this.config.stalled.lockDuration / 1000)),
          });
          return;
        } catch (error) {
          if (attempt >= 8) throw error;
          await new Promise((resolve) => setTimeout(resolve, 50 * attempt * Math.random() + 20));
        }
      }
    });
    this.creating = created.catch(() => undefined);
    created.catch(() => this.queues.delete(options.name));
    this.queues.set(options.name, created);
  }

  bullQueue(name: string): Queue {
    throw new Error(
      `@InjectQueue('${name}') gives a BullMQ Queue, which needs the Redis backend; on Postgres use JobsService and JobDeadLetters`,
    );
  }

  /** The pg-boss id of a Shoal job id: a UUID derived from it (stable across nodes). */
  jobId(jobId: string): string {
    const hex = createHash('sha256').update(`shoal-job:${jobId}`).digest('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }

  async add(queue: string, name: string, data: unknown, options: AddJobOptions): Promise<string> {
    await this.ready(queue);
    const id = options.jobId ? this.jobId(options.jobId) : randomUUID();
    const payload: PgBossPayload = {
      n: name,
      d: data,
      ...(options.backoff ? { b: options.backoff } : {}),
      ...(options.correlationId ? { c: options.correlationId } : {}),
    };
    // pg-boss checks the keys it is given: only set ones. Priority: higher runs first there, lower with BullMQ.
    await this.inserts.add({
      id,
      name: queue,
      data: payload as unknown as object,
      ...(options.priority ? { priority: -Math.round(options.priority) } : {}),
      ...(options.delay ? { startAfter: `${Math.round(options.delay)} milliseconds` } : {}),
      ...(options.attempts === undefined ? {} : { retryLimit: options.attempts - 1 }),
    });
    this.notify(queue);
    return id;
  }

  async waiting(queue: string): Promise<number> {
    await this.ready(queue);
    const { rows } = await this.db.executeSql(this.sql.waiting, [queue]);
    return Number(rows[0]?.n ?? 0);
  }

  async counts(queue: string): Promise<JobCounts> {
    await this.ready(queue);
    const { rows } = await this.db.executeSql(this.sql.counts, [queue]);
    const by = new Map(rows.map((r) => [String(r.state), Number(r.n)]));
    return {
      waiting: (by.get('created') ?? 0) + (by.get('retry') ?? 0),
      delayed: by.get('delayed') ?? 0,
      active: by.get('active') ?? 0,
      completed: by.get('completed') ?? 0,
      failed: by.get('failed') ?? 0,
    };
  }

  startWorker(spec: WorkerSpec): void {
    const name = spec.queue.name;
    const backoff = { ...this.config.backoff, ...spec.queue.backoff };
    const worker = new PgBossQueueWorker(
      this.boss,
      this.db,
      this.sql,
      spec,
      { pollInterval: this.config.postgres.pollInterval, lockDuration: this.config.stalled.lockDuration },
      (attempt) => {
        const delay = backoff.delay * 2 ** Math.max(0, attempt - 1);
        return delay * (1 - backoff.jitter) + Math.random() * delay * backoff.jitter;
      },
    );
    this.workers.set(name, worker);
    this.listening ??= this.listener.start();
    void this.ready(name).then(
      () => worker.start(),
      (error: unknown) => this.logger.error(`worker ${name}: queue not created (${String(error)})`),
    );
  }

  async stopWorkers(graceMs: number): Promise<void> {
    await Promise.all([...this.workers.values()].map((w) => w.stop(graceMs)));
    this.workers.clear();
  }

  addDeadLetter(queue: string, dead: Omit<DeadJob, 'id' | 'queue'>): Promise<void> {
    return this.deadLetters.add(queue, dead);
  }

  listDeadLetters(queue: string, limit: number): Promise<DeadJob[]> {
    return this.deadLetters.list(queue, limit);
  }

  async replayDeadLetter(queue: string, id: string): Promise<string | undefined> {
    const dead = await this.deadLetters.take(queue, id);
    if (!dead) return undefined;
    return this.add(queue, dead.name, dead.data, {});
  }

  deadLetterCount(queue: string): Promise<number> {
    return this.deadLetters.count(queue);
  }

  purgeDeadLetters(queue: string): Promise<number> {
    return this.deadLetters.purge(queue);
  }

  async close(): Promise<void> {
    await this.listener.close().catch(() => undefined);
    if (this.started)
      await this.boss.stop({ graceful: false, close: false, wait: true }).catch(() => undefined);
  }

  private start(): Promise<void> {
    this.started ??= this.boss.start().then(
      () => undefined,
      (error: unknown) => {
        this.started = undefined;
        throw error;
      },
    );
    return this.started;
  }

  private async ready(queue: string): Promise<void> {
    const created = this.queues.get(queue);
    if (!created) throw new Error(`queue "${queue}" is not registered`);
    await created;
  }

  /** One NOTIFY per queue per tick, however many jobs were added in it. */
  private notify(queue: string): void {
    if (this.pendingNotify.has(queue)) return;
    this.pendingNotify.add(queue);
    setImmediate(() => {
      this.pendingNotify.delete(queue);
      this.db
        .executeSql(`SELECT pg_notify($1, $2)`, [this.channel, queue])
        .catch((error: unknown) => this.logger.debug(`jobs NOTIFY: ${String(error)}`));
    });
  }
}
