import type { RedisClient } from '@shoal/cluster';

/**
 * Acknowledges stream entries of one group in batches: every `ack(id)` made in the same tick of the event loop goes
 * out as one `XACK` with all their ids, and each caller's promise settles with it. Under load that is one Redis
 * command per batch of handled events instead of one per event; when idle it adds no delay (one `setImmediate`).
 */
export class AckBatcher {
  private pending: string[] = [];
  private flushing?: Promise<void>;

  constructor(
    private readonly redis: RedisClient,
    private readonly stream: string,
    private readonly group: string,
  ) {}

  /**
   * Resolves once the entry is acknowledged; rejects when the `XACK` failed (the entry stays pending). Every caller of
   * one batch gets the same promise: one per batch, not one per entry.
   */
  ack(id: string): Promise<void> {
    this.pending.push(id);
    this.flushing ??= new Promise<void>((resolve, reject) =>
      setImmediate(() => {
        const ids = this.pending;
        this.pending = [];
        this.flushing = undefined;
        this.redis.xack(this.stream, this.group, ...ids).then(() => resolve(), reject);
      }),
    );
    return this.flushing;
  }
}
