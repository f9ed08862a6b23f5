import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { DecoratedMethodExplorer, withTimeout } from '@shoal/cluster/internal';
import { DelayedError, UnrecoverableError, Worker, type BackoffStrategy, type Job } from 'bullmq';
import { JobDeadLetters } from '../dead-letters/job-dead-letters.js';
import { Process, Processor } from '../decorators/processor.decorators.js';
import { InvalidJobsOptionsError } from '../errors/invalid-jobs-options.error.js';
import type { JobsConfig } from '../jobs-config.js';
import { JOBS_CONFIG } from '../jobs.constants.js';
import { QueueRegistry } from '../queues/queue-registry.js';
import { runInJobContext } from './job-correlation.js';
import type { JobContext } from './job-context.js';

/** The context of one running job (a class: no closures allocated per job on the hot path). */
class RunningJob {
  readonly id: string;
  readonly name: string;

  constructor(
    private readonly job: Job,
    readonly queue: string,
    readonly attempt: number,
    readonly maxAttempts: number,
    private readonly token: string | undefined,
  ) {
    this.id = String(job.id);
    this.name = job.name;
  }

  /** Runs the job again in `ms` without spending an attempt. */
  async postpone(ms: number): Promise<never> {
    await this.job.moveToDelayed(Date.now() + ms, this.token);
    throw new DelayedError();
  }
}

/** A function that runs one job. */
export type JobHandler = (
  data: unknown,
  context: JobContext & { postpone(ms: number): Promise<never> },
) => unknown;

/**
 * Runs the workers of this node: one BullMQ `Worker` per queue that has `@Process()` methods (or an internal
 * handler), with the queue's concurrency and rate limit. At shutdown, workers stop fetching and active jobs get
 * `shutdownGracePeriod` to finish *before* any queue or connection closes; a job still running then is left to
 * BullMQ's stalled-job recovery (another node picks it up).
 */
@Injectable()
export class WorkerHost implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Shoal:Jobs');
  private readonly handlers = new Map<string, Map<string, JobHandler>>();
  private readonly backoffs = new Map<string, BackoffStrategy>();
  private readonly workers: Worker[] = [];

  constructor(
    @Inject(JOBS_CONFIG) private readonly config: JobsConfig,
    private readonly registry: QueueRegistry,
    private readonly explorer: DecoratedMethodExplorer,
    private readonly deadLetters: JobDeadLetters,
  ) {}

  /** Registers a handler outside the decorators (used by Shoal's own queues). */
  handle(queue: string, name: string, handler: JobHandler): void {
    let byName = this.handlers.get(queue);
    if (!byName) this.handlers.set(queue, (byName = new Map()));
    byName.set(name, handler);
  }

  /** A custom backoff type (`backoff: { type }` on jobs). */
  backoff(type: string, strategy: BackoffStrategy): void {
    this.backoffs.set(type, strategy);
  }

  onModuleInit(): void {
    const problems: string[] = [];
    for (const method of this.explorer.find(Process, '@Process()')) {
      const queue = Reflect.getMetadata(Processor.KEY, method.instance.constructor) as string | undefined;
      if (typeof queue !== 'string') {
        problems.push(
          `${method.className}.${method.methodName} has @Process() but its class has no @Processor('queue')`,
        );
        continue;
      }
      const name = typeof method.metadata === 'string' ? method.metadata : '*';
      this.handle(queue, name, (data, context) => method.call(data, context));
    }
    for (const queue of this.handlers.keys()) {
      try {
        this.registry.get(queue);
      } catch (error) {
        problems.push(String(error instanceof Error ? error.message : error));
      }
    }
    if (problems.length > 0) throw new InvalidJobsOptionsError(problems);
  }

  onApplicationBootstrap(): void {
    if (!this.config.workers) return;
    for (const [queue, byName] of this.handlers) {
      const { options } = this.registry.get(queue);
      const worker = new Worker(queue, (job, token) => this.run(queue, byName, job, token), {
        connection: this.registry.bullConnection(),
        prefix: this.registry.prefix,
        concurrency: options.concurrency ?? 10,
        limiter: options.limiter,
        lockDuration: this.config.stalled.lockDuration,
        stalledInterval: this.config.stalled.stalledInterval,
        maxStalledCount: this.config.stalled.maxStalledCount,
        settings: { backoffStrategy: (made, type, error, job) => this.customBackoff(made, type, error, job) },
      });
      worker.on('error', (error) => this.logger.warn(`worker ${queue}: ${error.message}`));
      this.workers.push(worker);
    }
    if (this.workers.length > 0) this.logger.log(`workers on ${[...this.handlers.keys()].join(', ')}`);
  }

  /** Stops fetching and waits for active jobs (bounded), before queues and connections close. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(
      this.workers.map(async (worker) => {
        try {
          await withTimeout(
            worker.close(),
            this.config.shutdownGracePeriod,
            `worker ${worker.name} draining`,
          );
        } catch {
          this.logger.warn(
            `worker ${worker.name}: jobs still active after the grace period; they will be retried`,
          );
          await worker.close(true).catch(() => undefined);
        }
      }),
    );
  }

  private customBackoff(made: number, type?: string, error?: Error, job?: unknown): number | Promise<number> {
    const strategy = type ? this.backoffs.get(type) : undefined;
    if (!strategy) return 1000 * 2 ** Math.max(0, made - 1);
    return strategy(made, type, error, job as Job);
  }

  private async run(
    queue: string,
    byName: Map<string, JobHandler>,
    job: Job,
    token?: string,
  ): Promise<unknown> {
    const handler = byName.get(job.name) ?? byName.get('*');
    const maxAttempts = job.opts.attempts ?? 1;
    const attempt = job.attemptsMade + 1;
    try {
      if (!handler) throw new UnrecoverableError(`no @Process('${job.name}') for queue "${queue}"`);
      return await runInJobContext(job, () =>
        handler(job.data, new RunningJob(job, queue, attempt, maxAttempts, token)),
      );
    } catch (error) {
      if (error instanceof DelayedError) throw error;
      if (error instanceof UnrecoverableError || attempt >= maxAttempts) {
        await this.deadLetters.add(queue, job, error, attempt);
      }
      throw error;
    }
  }
}
