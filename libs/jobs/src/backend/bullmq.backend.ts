import { CORRELATION_OPTION } from '../workers/job-correlation.js';
import { Logger } from '@nestjs/common';
import type { ClusterConnections, RedisClient } from '@shoal/cluster';
import { closeConnection, withTimeout } from '@shoal/cluster/internal';
import { DelayedError, Queue, Worker, type Job as BullJob } from 'bullmq';
import { Cluster, type Redis } from 'ioredis';
import type { DeadJob } from '../dead-letters/dead-job.js';
import type { JobsConfig } from '../jobs-config.js';
import type { QueueOptions } from '../jobs-options.js';
import type { AddJobOptions, JobCounts, JobsBackend, WorkerSpec } from './jobs-backend.js';

type DeadJobData = Omit<DeadJob, 'id' | 'queue'>;

/**
 * Jobs on BullMQ, on one dedicated Redis connection (BullMQ needs `maxRetriesPerRequest: null`) duplicated from the
 * ClusterModule one. Keys: `<prefix>:{jobs}:<queue>:*` (one hash tag, so Redis Cluster works); dead letters on the
 * queue `<queue>.dead`.
 */
export class BullmqBackend implements JobsBackend {
  readonly description = 'BullMQ on Redis';
  private readonly logger = new Logger('Shoal:Jobs');
  private readonly queues = new Map<string, { queue: Queue; dead: Queue }>();
  private readonly workers: Worker[] = [];
  private connection?: RedisClient;
  private readonly prefix: string;

  constructor(
    private readonly connections: ClusterConnections,
    clusterPrefix: string,
    private readonly config: JobsConfig,
  ) {
    this.prefix = `${clusterPrefix}:{jobs}`;
  }

  register(options: QueueOptions): void {
    if (this.queues.has(options.name)) return;
    const connection = this.bullConnection();
    const backoff = { ...this.config.backoff, ...options.backoff };
    const queue = new Queue(options.name, {
      connection,
      prefix: this.prefix,
      defaultJobOptions: {
        attempts: options.attempts ?? this.config.attempts,
        backoff: { type: 'exponential', delay: backoff.delay, jitter: backoff.jitter },
        removeOnComplete: this.config.keepCompleted,
        removeOnFail: this.config.keepFailed,
      },
    });
    const dead = new Queue(`${options.name}.dead`, { connection, prefix: this.prefix });
    queue.on('error', (error) => this.logger.debug(`queue ${options.name}: ${error.message}`));
    dead.on('error', (error) => this.logger.debug(`queue ${options.name}.dead: ${error.message}`));
    this.queues.set(options.name, { queue, dead });
  }

  bullQueue(name: string): Queue {
    return this.get(name).queue;
  }

  jobId(jobId: string): string {
    return jobId;
  }

  async add(queue: string, name: string, data: unknown, options: AddJobOptions): Promise<string> {
    const job = await this.get(queue).queue.add(name, data, {
      jobId: options.jobId,
      delay: options.delay,
      priority: options.priority,
      // Only when given: an undefined key would override the queue's defaults.
      ...(options.attempts === undefined ? {} : { attempts: options.attempts }),
      ...(options.backoff === undefined ? {} : { backoff: { type: options.backoff } }),
      ...(options.correlationId === undefined ? {} : { [CORRELATION_OPTION]: options.correlationId }),
    });
    return String(job.id);
  }

  async waiting(queue: string): Promise<number> {
    const counts = await this.get(queue).queue.getJobCounts('waiting', 'prioritized', 'delayed');
    return (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0);
  }

  async counts(queue: string): Promise<JobCounts> {
    const c = await this.get(queue).queue.getJobCounts(
      'waiting',
      'prioritized',
      'delayed',
      'active',
      'completed',
      'failed',
    );
    return {
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
      delayed: c.delayed ?? 0,
      active: c.active ?? 0,
      completed: c.completed ?? 0,
      failed: c.failed ?? 0,
    };
  }

  startWorker(spec: WorkerSpec): void {
    const name = spec.queue.name;
    const worker = new Worker(
      name,
      async (job: BullJob, token?: string) => {
        const control = {
          attempt: job.attemptsMade + 1,
          maxAttempts: job.opts.attempts ?? 1,
          postpone: async (ms: number): Promise<never> => {
            await job.moveToDelayed(Date.now() + ms, token);
            throw new DelayedError();
          },
        };
        return spec.run(job, control);
      },
      {
        connection: this.bullConnection(),
        prefix: this.prefix,
        concurrency: spec.concurrency,
        limiter: spec.queue.limiter,
        lockDuration: this.config.stalled.lockDuration,
        stalledInterval: this.config.stalled.stalledInterval,
        maxStalledCount: this.config.stalled.maxStalledCount,
        settings: { backoffStrategy: (made, type, error) => spec.backoff(made, type, error) },
      },
    );
    worker.on('error', (error) => {
      this.logger.warn(`worker ${name}: ${error.message}`);
      spec.emit('error', error);
    });
    worker.on('active', (job) => spec.emit('active', job));
    worker.on('completed', (job, result) => spec.emit('completed', job, result));
    worker.on('failed', (job, error) => {
      if (!(error instanceof DelayedError)) spec.emit('failed', job, error);
    });
    this.workers.push(worker);
  }

  async stopWorkers(graceMs: number): Promise<void> {
    await Promise.all(
      this.workers.map(async (worker) => {
        try {
          await withTimeout(worker.close(), graceMs, `worker ${worker.name} draining`);
        } catch {
          this.logger.warn(
            `worker ${worker.name}: jobs still active after the grace period; they will be retried`,
          );
          await worker.close(true).catch(() => undefined);
        }
      }),
    );
  }

  async addDeadLetter(queue: string, dead: DeadJobData): Promise<void> {
    await this.get(queue).dead.add(dead.name, dead, {
      jobId: `dead-${dead.originalId}`,
      removeOnComplete: true,
    });
  }

  async listDeadLetters(queue: string, limit: number): Promise<DeadJob[]> {
    const jobs = await this.get(queue).dead.getJobs(['wait'], 0, limit - 1, true);
    return jobs.map((job) => ({ id: String(job.id), queue, ...(job.data as DeadJobData) }));
  }

  async replayDeadLetter(queue: string, id: string): Promise<string | undefined> {
    const { queue: live, dead } = this.get(queue);
    const letter = await dead.getJob(id);
    if (!letter) return undefined;
    const d = letter.data as DeadJobData;
    const job = await live.add(d.name, d.data, { jobId: `${id}.replay-${Date.now()}` });
    await letter.remove();
    return String(job.id);
  }

  deadLetterCount(queue: string): Promise<number> {
    return this.get(queue).dead.getWaitingCount();
  }

  async purgeDeadLetters(queue: string): Promise<number> {
    const { dead } = this.get(queue);
    const count = await dead.getWaitingCount();
    await dead.drain(true);
    return count;
  }

  async close(): Promise<void> {
    const all = [...this.queues.values()];
    await Promise.allSettled(all.flatMap((q) => [q.queue.close(), q.dead.close()]));
    const connection = this.connection;
    this.connection = undefined;
    if (connection) await closeConnection(connection);
  }

  private get(name: string): { queue: Queue; dead: Queue } {
    const entry = this.queues.get(name);
    if (!entry) throw new Error(`queue "${name}" has no BullMQ queue yet`);
    return entry;
  }

  private bullConnection(): Redis | Cluster {
    if (!this.connection) {
      const shared = this.connections.redis('JobsModule (BullMQ)');
      this.connection =
        shared instanceof Cluster
          ? shared.duplicate(undefined, { redisOptions: { maxRetriesPerRequest: null } })
          : shared.duplicate({
              maxRetriesPerRequest: null,
              connectionName: `${shared.options.connectionName ?? 'shoal'}:jobs`,
            });
      this.connection.on('error', (error: Error) => this.logger.debug(`jobs connection: ${error.message}`));
    }
    return this.connection;
  }
}
