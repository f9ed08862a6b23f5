import type { RedisClient } from '@shoal/cluster';

interface Waiting {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  readonly from: number;
  readonly to: number;
}

/**
 * Sends the `XADD`s of one tick of the event loop as one pipeline: every `publish(entries)` made in the same tick is
 * written to Redis in a single write, and each caller's promise settles with the replies of its own entries (a
 * failed entry fails only the call that made it). Under load that is one socket write per batch of publishes instead
 * of one per event; when idle it adds no delay (one `setImmediate`). Order is kept: entries go out in call order.
 */
export class PublishBatcher {
  private entries: [key: string, json: string][] = [];
  private waiting: Waiting[] = [];
  private scheduled = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly maxLen: string,
  ) {}

  /** Resolves once every entry is in its stream; rejects with the first entry's error otherwise. */
  publish(entries: readonly [key: string, json: string][]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const from = this.entries.length;
      for (const entry of entries) this.entries.push(entry);
      this.waiting.push({ resolve, reject, from, to: this.entries.length });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const entries = this.entries;
    const waiting = this.waiting;
    this.entries = [];
    this.waiting = [];
    this.scheduled = false;
    const pipeline = this.redis.pipeline();
    for (const [key, json] of entries) pipeline.xadd(key, 'MAXLEN', '~', this.maxLen, '*', 'e', json);
    pipeline.exec().then(
      (results) => {
        for (const caller of waiting) {
          const failed = results?.slice(caller.from, caller.to).find(([error]) => error);
          if (failed?.[0]) caller.reject(failed[0]);
          else if (!results) caller.reject(new Error('the XADD pipeline was discarded'));
          else caller.resolve();
        }
      },
      (error: unknown) => {
        for (const caller of waiting) caller.reject(error);
      },
    );
  }
}
