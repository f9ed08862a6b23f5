import { IntegrationEvent } from '@shoal/events';
import { z } from 'zod';

/** Published in the same transaction that stores an order. */
@IntegrationEvent('order.placed', {
  version: 1,
  schema: z.object({
    orderId: z.uuid(),
    userId: z.string().min(1),
    total: z.number().positive(),
    /** The user's n-th order: handlers can check per-user order. */
    n: z.number().int().positive(),
  }),
})
export class OrderPlaced {
  constructor(
    readonly orderId: string,
    readonly userId: string,
    readonly total: number,
    readonly n: number,
  ) {}
}
