import { IntegrationEvent } from '@shoal/events';
import { z } from 'zod';

/** Internal: a job enqueued through the outbox, turned into a BullMQ job by `JobsOutboxHandler` after commit. */
@IntegrationEvent('shoal.jobs.enqueue-requested', {
  version: 1,
  schema: z.object({
    queue: z.string(),
    name: z.string(),
    data: z.unknown(),
    idempotencyKey: z.string().optional(),
    delay: z.number().int().nonnegative().optional(),
    priority: z.number().int().nonnegative().optional(),
  }),
})
export class EnqueueJobRequested {
  constructor(
    readonly queue: string,
    readonly name: string,
    readonly data: unknown,
    readonly idempotencyKey?: string,
    readonly delay?: number,
    readonly priority?: number,
  ) {}
}
