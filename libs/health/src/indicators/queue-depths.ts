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
    registry.all().map(async ({ name }) => {
      const { counts, deadLetters } = await registry.depth(name);
      return {
        queue: name,
        waiting: counts.waiting,
        delayed: counts.delayed,
        active: counts.active,
        failed: counts.failed,
        deadLetters,
      };
    }),
  );
}
