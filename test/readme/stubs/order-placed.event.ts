import { IntegrationEvent } from '@shoal/events';
import { z } from 'zod';

/** The README's `OrderPlaced`, for examples that import it. */
@IntegrationEvent('order.placed', {
  version: 1,
  schema: z.object({ orderId: z.uuid(), userId: z.string(), total: z.number().positive() }),
})
export class OrderPlaced {
  constructor(
    readonly orderId: string,
    readonly userId: string,
    readonly total: number,
  ) {}
}
