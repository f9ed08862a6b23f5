import { createHash } from 'node:crypto';

/**
 * A BullMQ job id from an idempotency key: kept as is when BullMQ accepts it (no `:`, not all digits), else a
 * stable hash of it. The same key always gives the same id, so a second enqueue is a no-op.
 */
export function jobIdFor(idempotencyKey: string): string {
  if (/^[A-Za-z0-9_.\-@/]{1,200}$/.test(idempotencyKey) && !/^\d+$/.test(idempotencyKey))
    return idempotencyKey;
  return `k-${createHash('sha256').update(idempotencyKey).digest('base64url')}`;
}
