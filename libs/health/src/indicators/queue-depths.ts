import type { QueueRegistry } from '@shoal/jobs/internal';

/** How many jobs one queue holds, by state, and how many it dead-lettered. */
export interface QueueDepth {
  readonly queue: string;
  readonly waiting: number;
  readonly delayed: number;
  readonly active: number;
  readonly failed: number;
  readonly deadLetters: number;
}

/** Reads the depth of every registered queue (two round trips per queue, in parallel). */
export function readQueueDepths(registry: QueueRegistry): Promise<QueueDepth[]> {
  return Promise.all(
    registry.all().map(async ({ options, queue, deadLetters }) => {
      const [counts, dead] = await Promise.all([
        queue.getJobCounts('wait', 'delayed', 'active', 'failed'),
        deadLetters.getWaitingCount(),
      ]);
      return {
        queue: options.name,
        waiting: counts.wait ?? 0,
        delayed: counts.delayed ?? 0,
        active: counts.active ?? 0,
        failed: counts.failed ?? 0,
        deadLetters: dead,
      };
    }),
  );
}
