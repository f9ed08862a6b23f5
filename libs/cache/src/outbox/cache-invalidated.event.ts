import { IntegrationEvent } from '@shoal/events';
import { z } from 'zod';

/** An invalidation written to the outbox with the transaction that made the cached values stale. */
@IntegrationEvent('shoal.cache.invalidated', {
  version: 1,
  schema: z.strictObject({
    cache: z.string().min(1),
    namespace: z.string().min(1).optional(),
    keys: z.array(z.string().min(1)),
    tags: z.array(z.string().min(1)),
  }),
})
export class CacheInvalidated {
  constructor(
    /** The cache's `namespace` option. */
    readonly cache: string,
    /** The `namespace()` view, if any. */
    readonly namespace: string | undefined,
    readonly keys: string[],
    readonly tags: string[],
  ) {}
}
