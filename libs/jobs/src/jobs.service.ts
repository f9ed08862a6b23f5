import { Inject, Injectable, Optional } from '@nestjs/common';
import { EventBus } from '@shoal/events';
import type { EntityManager } from 'typeorm';
import { JOBS_BACKEND, type JobCounts, type JobsBackend } from './backend/jobs-backend.js';
import { JobValidationError } from './errors/job-validation.error.js';
import { QueueFullError } from './errors/queue-full.error.js';
import { jobIdFor } from './job-ids.js';
import { EnqueueJobRequested } from './outbox/enqueue-job-requested.event.js';
import type { JobInputOf, JobNameOf, QueueDefinition } from './queues/queue-definition.js';
import { QueueRegistry } from './queues/queue-registry.js';

/** Options of `JobsService.enqueue`. */
export interface EnqueueOptions {
  /** The same key enqueued twice gives one job (while the first is kept: see `keepCompleted` / `keepFailed`). */
  idempotencyKey?: string;
  /** Run no earlier than this many ms from now. */
  delay?: number;
  /** Lower runs first (1 = highest; 0 or none = no priority, before every prioritized job). */
  priority?: number;
  /**
   * An `EntityManager` in a transaction: the job goes through the outbox and is enqueued only if the transaction
   * commits (needs EventBusModule). The job id is then the idempotency key, or the outbox event id.
   */
  manager?: EntityManager;
}

/** Options of `JobsService.add` (Shoal's own queues): `enqueue`'s, plus per-job attempts and a custom backoff. */
export interface JobAddOptions extends Omit<EnqueueOptions, 'manager'> {
  /** Attempts of this job (default: the queue's). */
  attempts?: number;
  /** A custom backoff registered with `JobWorkers.backoff(type, …)`. */
  backoff?: string;
}

/**
 * Shoal's extras beside the queues, on either backend: validated enqueue with idempotency keys, back-pressure
 * (`maxWaiting`) and enqueue through the outbox; counts. Guarantee: an enqueued job is run at least once or
 * dead-lettered with its error; never silently lost.
 */
@Injectable()
export class JobsService {
  constructor(
    private readonly registry: QueueRegistry,
    @Inject(JOBS_BACKEND) private readonly backend: JobsBackend,
    @Optional() private readonly bus?: EventBus,
  ) {}

  /**
   * Enqueues job `name` on `queue`. With a queue from `defineQueue`, the job name and `data` are checked against the
   * queue's schemas at compile time; at run time, `data` is validated against the registered schema either way.
   * @returns the job id (for an outbox enqueue: the id the job will have).
   * @throws UnknownQueueError, JobValidationError (nothing enqueued), QueueFullError (back-pressure).
   */
  enqueue<Q extends QueueDefinition, N extends JobNameOf<Q>>(
    queue: Q,
    name: N,
    data: JobInputOf<Q, N>,
    options?: EnqueueOptions,
  ): Promise<{ id: string }>;
  enqueue(queue: string, name: string, data: unknown, options?: EnqueueOptions): Promise<{ id: string }>;
  async enqueue(
    queue: string | QueueDefinition,
    name: string,
    data: unknown,
    options: EnqueueOptions = {},
  ): Promise<{ id: string }> {
    const queueName = typeof queue === 'string' ? queue : queue.name;
    const checked = this.validate(queueName, name, data);
    if (options.manager) {
      if (!this.bus)
        throw new Error('enqueue(..., { manager }) goes through the outbox: import EventBusModule');
      const request = new EnqueueJobRequested(
        queueName,
        name,
        checked,
        options.idempotencyKey,
        options.delay,
        options.priority,
      );
      const [envelope] = await this.bus.publish(request, { manager: options.manager });
      return { id: this.backend.jobId(jobIdFor(options.idempotencyKey ?? envelope.id)) };
    }
    return this.add(queueName, name, checked, options);
  }

  /** Adds to the backend directly (after validation): used by `enqueue`, the outbox handler and Shoal's own queues. */
  async add(
    queue: string,
    name: string,
    data: unknown,
    options: JobAddOptions = {},
  ): Promise<{ id: string }> {
    const { maxWaiting } = this.registry.get(queue);
    if (maxWaiting !== undefined) {
      const waiting = await this.backend.waiting(queue);
      if (waiting >= maxWaiting) throw new QueueFullError(queue, waiting, maxWaiting);
    }
    const id = await this.backend.add(queue, name, data, {
      jobId: options.idempotencyKey ? jobIdFor(options.idempotencyKey) : undefined,
      delay: options.delay,
      priority: options.priority,
      attempts: options.attempts,
      backoff: options.backoff,
    });
    return { id };
  }

  /** Jobs of `queue` by state. @throws UnknownQueueError */
  counts(queue: string | QueueDefinition): Promise<JobCounts> {
    const name = typeof queue === 'string' ? queue : queue.name;
    this.registry.get(name);
    return this.backend.counts(name);
  }

  private validate(queue: string, name: string, data: unknown): unknown {
    const { jobs } = this.registry.get(queue);
    const schema = jobs?.[name];
    if (jobs && !schema) {
      throw new JobValidationError(queue, name, [`no job named "${name}" is registered on this queue`]);
    }
    if (!schema) return data;
    const checked = schema.safeParse(data);
    if (checked.success) return checked.data;
    const issues = checked.error.issues.map(
      (i) => `${i.path.map(String).join('.') || '(data)'}: ${i.message}`,
    );
    throw new JobValidationError(queue, name, issues);
  }
}
