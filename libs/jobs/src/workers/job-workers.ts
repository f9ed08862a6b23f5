import { runInJobContext } from './job-correlation.js';
import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { isStoreUnavailableError } from '@shoal/cluster';
import {
  DecoratedMethodExplorer,
  backoffDelay,
  callHook,
  type DecoratedMethod,
} from '@shoal/cluster/internal';
import { UnrecoverableError } from 'bullmq';
import { JOBS_BACKEND, type JobControl, type JobsBackend } from '../backend/jobs-backend.js';
import { OnWorkerEvent, type WorkerEvent } from '../decorators/on-worker-event.decorator.js';
import { Process } from '../decorators/process.decorator.js';
import { Processor } from '../decorators/processor.decorator.js';
import { InvalidJobsOptionsError } from '../errors/invalid-jobs-options.error.js';
import type { JobsConfig } from '../jobs-config.js';
import { JOBS_CONFIG } from '../jobs.constants.js';
import { QueueRegistry } from '../queues/queue-registry.js';
import type { Job } from './job.js';
import { WorkerHost, bindProcessHandlers } from './worker-host.js';

/** A function that runs every job of a queue (Shoal's own queues register one with `handle`). */
export type JobHandler = (job: Job, control: JobControl) => unknown;

/** A custom backoff: the delay in ms before the next attempt. */
export type BackoffStrategy = (
  attemptsMade: number,
  type: string | undefined,
  error: Error | undefined,
) => number;

/** A job that failed because Redis or Postgres was unreachable runs again after this long, doubling per outage… */
const OUTAGE_FIRST_DELAY_MS = 250;
/** …up to this long. */
const OUTAGE_MAX_DELAY_MS = 5_000;

/**
 * Runs the workers of this node: one per queue that has a `@Processor` (or an internal handler), with the queue's
 * concurrency and rate limit. A job that fails its last attempt, or throws `UnrecoverableError`, is dead-lettered
 * with its error before its failure is recorded. A job that fails because Redis or Postgres is unreachable (the
 * error `isStoreUnavailableError` recognises) runs again after a short backoff without spending an attempt, so an
 * outage never dead-letters good jobs nor pushes a webhook down its retry schedule. At shutdown, workers stop
 * fetching and active jobs get `shutdownGracePeriod` to finish *before* any queue or connection closes.
 */
@Injectable()
export class JobWorkers implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Shoal:Jobs');
  private readonly handlers = new Map<string, JobHandler>();
  private readonly listeners = new Map<string, DecoratedMethod<WorkerEvent>[]>();
  private readonly backoffs = new Map<string, BackoffStrategy>();
  private started = false;
  /** Jobs on this node that failed for an unreachable store since the last one that succeeded. */
  private outages = 0;

  constructor(
    @Inject(JOBS_CONFIG) private readonly config: JobsConfig,
    @Inject(JOBS_BACKEND) private readonly backend: JobsBackend,
    private readonly registry: QueueRegistry,
    private readonly explorer: DecoratedMethodExplorer,
    private readonly discovery: DiscoveryService,
  ) {}

  /** Runs every job of `queue` with `handler` (used by Shoal's own queues). */
  handle(queue: string, handler: JobHandler): void {
    this.handlers.set(queue, handler);
  }

  /** A custom backoff type (`backoff: 'type'` on `JobsService.add`). */
  backoff(type: string, strategy: BackoffStrategy): void {
    this.backoffs.set(type, strategy);
  }

  onModuleInit(): void {
    const problems: string[] = [];
    const byInstance = new Map<object, Map<string, (job: Job) => unknown>>();
    for (const method of this.explorer.find(Process, '@Process()')) {
      const map = byInstance.get(method.instance) ?? new Map<string, (job: Job) => unknown>();
      map.set(typeof method.metadata === 'string' ? method.metadata : '*', (job) => method.call(job));
      byInstance.set(method.instance, map);
      if (typeof Reflect.getMetadata(Processor.KEY, method.instance.constructor) !== 'string') {
        problems.push(
          `${method.className}.${method.methodName} has @Process() but its class has no @Processor('queue')`,
        );
      }
    }
    for (const method of this.explorer.find(OnWorkerEvent, '@OnWorkerEvent()')) {
      const queue = Reflect.getMetadata(Processor.KEY, method.instance.constructor) as string | undefined;
      if (typeof queue !== 'string') {
        problems.push(
          `${method.className}.${method.methodName} has @OnWorkerEvent() but its class has no @Processor('queue')`,
        );
        continue;
      }
      this.listeners.set(queue, [...(this.listeners.get(queue) ?? []), method]);
    }
    for (const wrapper of this.discovery.getProviders({ metadataKey: Processor.KEY })) {
      const instance = wrapper.instance as object | undefined;
      const queue: unknown = wrapper.metatype
        ? Reflect.getMetadata(Processor.KEY, wrapper.metatype)
        : undefined;
      if (!instance || typeof queue !== 'string' || !wrapper.isDependencyTreeStatic()) continue;
      const dispatch = byInstance.get(instance);
      if (instance instanceof WorkerHost) {
        bindProcessHandlers(instance, dispatch ?? new Map());
        this.claim(queue, (job) => instance.process(job), problems, wrapper.name);
      } else if (dispatch) {
        this.claim(queue, (job) => dispatchByName(dispatch, job), problems, wrapper.name);
      } else {
        problems.push(
          `${wrapper.name} has @Processor('${queue}') but neither extends WorkerHost nor has @Process()`,
        );
      }
    }
    for (const queue of this.handlers.keys()) {
      try {
        this.registry.get(queue);
      } catch (error) {
        problems.push(error instanceof Error ? error.message : String(error));
      }
    }
    if (problems.length > 0) throw new InvalidJobsOptionsError(problems);
  }

  onApplicationBootstrap(): void {
    if (!this.config.workers) {
      this.logger.log(`jobs on ${this.backend.description}; no workers here (workers: false)`);
      return;
    }
    for (const [queue, handler] of this.handlers) {
      const options = this.registry.get(queue);
      this.backend.startWorker({
        queue: options,
        concurrency: options.concurrency ?? 10,
        run: (job, control) => runInJobContext(job, () => this.run(queue, handler, job, control)),
        backoff: (made, type, error) => this.delayAfter(made, type, error),
        emit: (event, ...args) => this.emit(queue, event, args),
      });
    }
    this.started = true;
    const queues = [...this.handlers.keys()].join(', ');
    this.logger.log(`jobs on ${this.backend.description}; workers on ${queues || 'no queue'}`);
  }

  /** Stops fetching and waits for active jobs (bounded), before queues and connections close. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.started) await this.backend.stopWorkers(this.config.shutdownGracePeriod);
    this.started = false;
  }

  private claim(queue: string, handler: JobHandler, problems: string[], who: string): void {
    if (this.handlers.has(queue)) problems.push(`${who}: queue "${queue}" already has a @Processor`);
    else this.handlers.set(queue, handler);
  }

  private delayAfter(made: number, type: string | undefined, error: Error | undefined): number {
    // An outage that also kept the postponement from being written: the attempt is spent, the wait stays short.
    if (isOutage(error)) return this.outageDelay();
    const strategy = type ? this.backoffs.get(type) : undefined;
    return strategy ? strategy(made, type, error) : 1000 * 2 ** Math.max(0, made - 1);
  }

  /** Exponential in the outages seen since the last success, with ±20 % jitter. */
  private outageDelay(): number {
    return backoffDelay(this.outages, { initialMs: OUTAGE_FIRST_DELAY_MS, maxMs: OUTAGE_MAX_DELAY_MS });
  }

  private emit(queue: string, event: WorkerEvent, args: unknown[]): void {
    for (const listener of this.listeners.get(queue) ?? []) {
      if (listener.metadata === event) callHook(listener, this.logger, ...args);
    }
  }

  private async run(queue: string, handler: JobHandler, job: Job, control: JobControl): Promise<unknown> {
    try {
      const result = await handler(job, control);
      this.outages = 0;
      return result;
    } catch (error) {
      if (isOutage(error)) {
        this.outages += 1;
        this.logger.debug(`job ${job.id} on ${queue} waits for the store to come back: ${String(error)}`);
        return control.postpone(this.outageDelay());
      }
      const final = isUnrecoverable(error) || control.attempt >= control.maxAttempts;
      if (final && !isDelayed(error)) {
        await this.backend.addDeadLetter(queue, {
          originalId: String(job.id),
          name: job.name,
          data: job.data,
          error: error instanceof Error ? error.message : String(error),
          stack: error instanceof Error ? error.stack : undefined,
          attempts: control.attempt,
          failedAt: new Date().toISOString(),
        });
      }
      throw error;
    }
  }
}

function dispatchByName(handlers: ReadonlyMap<string, (job: Job) => unknown>, job: Job): unknown {
  const handler = handlers.get(job.name) ?? handlers.get('*');
  if (!handler) throw new UnrecoverableError(`no @Process('${job.name}') for queue "${job.queueName}"`);
  return handler(job);
}

/** `UnrecoverableError` from BullMQ (or any error of that name): no retry. */
export function isUnrecoverable(error: unknown): boolean {
  return (
    error instanceof UnrecoverableError || (error instanceof Error && error.name === 'UnrecoverableError')
  );
}

/** A failure because Redis or Postgres is unreachable, not a verdict of the handler. */
function isOutage(error: unknown): boolean {
  return !isUnrecoverable(error) && !isDelayed(error) && isStoreUnavailableError(error);
}

function isDelayed(error: unknown): boolean {
  return error instanceof Error && error.name === 'DelayedError';
}
