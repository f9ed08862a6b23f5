import type { RedisClient } from '@shoal/cluster';

/**
 * Acknowledges stream entries of one group in batches: every `ack(id)` made in the same tick of the event loop goes
 * out as one `XACK` with all their ids. Under load that is one Redis command per batch of handled events instead of
 * one per event; when idle it adds no delay (one `setImmediate`). A failed `XACK` is reported once, with its ids
 * (they stay pending, so the group delivers them again); it never fails a caller.
 */
export class AckBatcher {
  private pending: string[] = [];
  /** Whether a batch is collecting ids in this tick. */
  private collecting = false;
  /** Settles when the newest batch is answered (replies on one connection come in order: so are all before it). */
  private newest: Promise<void> = Promise.resolve();

  constructor(
    private readonly redis: RedisClient,
    private readonly stream: string,
    private readonly group: string,
    private readonly onFailure: (error: unknown, ids: readonly string[]) => void,
  ) {}

  /** Queues `id` for this tick's `XACK`. No promise per entry: `settled()` says when it went out. */
  ack(id: string): void {
    this.pending.push(id);
    if (this.collecting) return;
    this.collecting = true;
    this.newest = new Promise<void>((resolve) =>
      setImmediate(() => {
        const ids = this.pending;
        this.pending = [];
        this.collecting = false;
        this.redis.xack(this.stream, this.group, ...ids).then(
          () => resolve(),
          (error: unknown) => {
            this.onFailure(error, ids);
            resolve();
          },
        );
      }),
    );
  }

  /** Resolves once every `ack` made so far has been answered by Redis, or reported as failed. Never rejects. */
  settled(): Promise<void> {
    return this.newest;
  }
}
