import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { JOBS_BACKEND, type JobCounts, type JobsBackend } from '../backend/jobs-backend.js';
import { UnknownQueueError } from '../errors/unknown-queue.error.js';
import type { QueueOptions } from '../jobs-options.js';

/**
 * The queues of this app and their options, created on the backend as they register. The backend (queues and its
 * connection) closes in `onApplicationShutdown`, after every worker has drained in `beforeApplicationShutdown`.
 */
@Injectable()
export class QueueRegistry implements OnApplicationShutdown {
  private readonly queues = new Map<string, QueueOptions>();

  constructor(@Inject(JOBS_BACKEND) private readonly backend: JobsBackend) {}

  /** Registers a queue (the first registration of a name wins). */
  register(options: QueueOptions): QueueOptions {
    const existing = this.queues.get(options.name);
    if (existing) return existing;
    this.backend.register(options);
    this.queues.set(options.name, options);
    return options;
  }

  /** @throws UnknownQueueError */
  get(name: string): QueueOptions {
    const options = this.queues.get(name);
    if (!options) throw new UnknownQueueError(name);
    return options;
  }

  /** Jobs of one queue by state, and its dead letters, as the backend counts them. */
  async depth(name: string): Promise<{ counts: JobCounts; deadLetters: number }> {
    const [counts, deadLetters] = await Promise.all([
      this.backend.counts(name),
      this.backend.deadLetterCount(name),
    ]);
    return { counts, deadLetters };
  }

  all(): QueueOptions[] {
    return [...this.queues.values()];
  }

  async onApplicationShutdown(): Promise<void> {
    await this.backend.close();
  }
}
