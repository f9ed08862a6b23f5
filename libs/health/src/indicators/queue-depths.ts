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

/** Reads the depth of every registered queue, on either jobs backend (in parallel). */
export function readQueueDepths(registry: QueueRegistry): Promise<QueueDepth[]> {
  return Promise.all(
    registry.all().map(async ({ name }) => {
      const { waiting, delayed, active, failed, deadLetters } = await registry.depth(name);
      return { queue: name, waiting, delayed, active, failed, deadLetters };
    }),
  );
}
