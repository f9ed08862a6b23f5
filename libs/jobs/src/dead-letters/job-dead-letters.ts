import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { QueueRegistry } from '../queues/queue-registry.js';

/** A job that failed its last attempt. */
export interface DeadJob {
  /** The dead letter's id (for `replay`). */
  readonly id: string;
  /** The id the job had on its queue. */
  readonly originalId: string;
  readonly queue: string;
  readonly name: string;
  readonly data: unknown;
  readonly error: string;
  readonly stack?: string;
  readonly attempts: number;
  readonly failedAt: string;
}

interface DeadJobData {
  originalId: string;
  name: string;
  data: unknown;
  error: string;
  stack?: string;
  attempts: number;
  failedAt: string;
}

/** The dead-letter queue of every registered queue (`<queue>.dead`): list, replay, purge. */
@Injectable()
export class JobDeadLetters {
  constructor(private readonly registry: QueueRegistry) {}

  /** Records a job that failed for good (idempotent per job id). */
  async add(queue: string, job: Job, error: unknown, attempts: number): Promise<void> {
    const data: DeadJobData = {
      originalId: String(job.id),
      name: job.name,
      data: job.data as unknown,
      error: error instanceof Error ? error.message : String(error),
      stack: error instanceof Error ? error.stack : undefined,
      attempts,
      failedAt: new Date().toISOString(),
    };
    await this.registry
      .get(queue)
      .deadLetters.add(job.name, data, { jobId: `dead-${job.id}`, removeOnComplete: true });
  }

  /** Dead jobs of `queue`, oldest first. */
  async list(queue: string, limit = 100): Promise<DeadJob[]> {
    const jobs = await this.registry.get(queue).deadLetters.getJobs(['wait'], 0, limit - 1, true);
    return jobs.map((job) => {
      const d = job.data as DeadJobData;
      return { id: String(job.id), queue, ...d };
    });
  }

  /** Enqueues a dead job again (fresh attempts) and removes the dead letter. @returns the new job id, or undefined. */
  async replay(queue: string, id: string): Promise<string | undefined> {
    const registered = this.registry.get(queue);
    const dead = await registered.deadLetters.getJob(id);
    if (!dead) return undefined;
    const d = dead.data as DeadJobData;
    const job = await registered.queue.add(d.name, d.data, { jobId: `${id}.replay-${Date.now()}` });
    await dead.remove();
    return String(job.id);
  }

  /** Deletes every dead letter of `queue`. @returns how many there were. */
  async purge(queue: string): Promise<number> {
    const dead = this.registry.get(queue).deadLetters;
    const count = await dead.getWaitingCount();
    await dead.drain(true);
    return count;
  }
}
