import { Injectable, Optional } from '@nestjs/common';
import { EventBus } from '@shoal/events';
import type { EntityManager } from 'typeorm';
import { JobValidationError } from './errors/job-validation.error.js';
import { QueueFullError } from './errors/queue-full.error.js';
import { jobIdFor } from './job-ids.js';
import { EnqueueJobRequested } from './outbox/enqueue-job-requested.event.js';
import { withCorrelation } from './workers/job-correlation.js';
import { QueueRegistry } from './queues/queue-registry.js';

/** Options of `JobsService.enqueue`. */
export interface EnqueueOptions {
  /** The same key enqueued twice gives one job (while the first is kept: see `keepCompleted` / `keepFailed`). */
  idempotencyKey?: string;
  /** Run no earlier than this many ms from now. */
  delay?: number;
  /** Lower runs first (0 = highest). */
  priority?: number;
  /**
   * An `EntityManager` in a transaction: the job goes through the outbox and is enqueued only if the transaction
   * commits (needs EventBusModule). The job id is then the idempotency key, or the outbox event id.
   */
  manager?: EntityManager;
}

/**
 * Enqueues jobs on registered queues. Guarantee: an enqueued job is run at least once or dead-lettered with its
 * error; never silently lost.
 */
@Injectable()
export class JobsService {
  constructor(
    private readonly registry: QueueRegistry,
    @Optional() private readonly bus?: EventBus,
  ) {}

  /**
   * @returns the job id (for an outbox enqueue: the id the job will have).
   * @throws UnknownQueueError, JobValidationError (nothing enqueued), QueueFullError (back-pressure).
   */
  async enqueue(
    queue: string,
    name: string,
    data: unknown,
    options: EnqueueOptions = {},
  ): Promise<{ id: string }> {
    const registered = this.registry.get(queue);
    const schema = registered.options.jobs?.[name];
    if (registered.options.jobs && !schema) {
      throw new JobValidationError(queue, name, [`no job named "${name}" is registered on this queue`]);
    }
    const checked = schema ? schema.safeParse(data) : { success: true as const, data };
    if (!checked.success) {
      const issues = checked.error.issues.map(
        (i) => `${i.path.map(String).join('.') || '(data)'}: ${i.message}`,
      );
      throw new JobValidationError(queue, name, issues);
    }
    if (options.manager) {
      if (!this.bus)
        throw new Error('enqueue(..., { manager }) goes through the outbox: import EventBusModule');
      const request = new EnqueueJobRequested(
        queue,
        name,
        checked.data,
        options.idempotencyKey,
        options.delay,
        options.priority,
      );
      const [envelope] = await this.bus.publish(request, { manager: options.manager });
      return { id: jobIdFor(options.idempotencyKey ?? envelope.id) };
    }
    return this.add(queue, name, checked.data, options);
  }

  /** Adds to BullMQ directly (after validation). Used by `enqueue` and by the outbox handler. */
  async add(
    queue: string,
    name: string,
    data: unknown,
    options: Omit<EnqueueOptions, 'manager'> = {},
  ): Promise<{ id: string }> {
    const registered = this.registry.get(queue);
    const maxWaiting = registered.options.maxWaiting;
    if (maxWaiting !== undefined) {
      const counts = await registered.queue.getJobCounts('waiting', 'prioritized', 'delayed');
      const waiting = (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0);
      if (waiting >= maxWaiting) throw new QueueFullError(queue, waiting, maxWaiting);
    }
    const job = await registered.queue.add(
      name,
      data,
      withCorrelation({
        jobId: options.idempotencyKey ? jobIdFor(options.idempotencyKey) : undefined,
        delay: options.delay,
        priority: options.priority,
      }),
    );
    return { id: String(job.id) };
  }
}
