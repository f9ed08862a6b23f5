import { Inject, Injectable } from '@nestjs/common';
import { JOBS_BACKEND, type JobsBackend } from '../backend/jobs-backend.js';
import { QueueRegistry } from '../queues/queue-registry.js';
import type { DeadJob } from './dead-job.js';

/**
 * The dead letters of every registered queue: jobs that failed their last attempt (or threw `UnrecoverableError`),
 * with data, error, stack and attempt count. List, replay, purge — on either backend.
 */
@Injectable()
export class JobDeadLetters {
  constructor(
    private readonly registry: QueueRegistry,
    @Inject(JOBS_BACKEND) private readonly backend: JobsBackend,
  ) {}

  /** Dead jobs of `queue`, oldest first. @throws UnknownQueueError */
  list(queue: string, limit = 100): Promise<DeadJob[]> {
    this.registry.get(queue);
    return this.backend.listDeadLetters(queue, limit);
  }

  /** Enqueues a dead job again (fresh attempts) and removes the dead letter. @returns the new job id, or undefined. */
  replay(queue: string, id: string): Promise<string | undefined> {
    this.registry.get(queue);
    return this.backend.replayDeadLetter(queue, id);
  }

  /** Deletes every dead letter of `queue`. @returns how many there were. */
  purge(queue: string): Promise<number> {
    this.registry.get(queue);
    return this.backend.purgeDeadLetters(queue);
  }
}
