import type { RedisClient } from '@shoal/cluster';
import { TickBatcher } from '@shoal/cluster/internal';
import { xaddArgs } from './stream-codec.js';

/** The entries of one publish: stream key and encoded envelope. */
type Entries = readonly (readonly [key: string, json: string])[];

/**
 * Sends the `XADD`s of one callback and its promise continuations as one pipeline: every `publish(entries)` made
 * before the code that made the first one yields is written to Redis in a single write, and each caller's promise
 * settles with the replies of its own entries (a failed entry fails only the call that made it). Under load that is
 * one socket write per batch of publishes instead of one per event; when idle it adds no delay (one microtask, not
 * the rest of the event-loop turn: a Redis round trip is cheap). Order is kept: entries go out in call order.
 */
export class PublishBatcher {
  private readonly batcher: TickBatcher<Entries>;

  constructor(redis: RedisClient, maxLen: string) {
    this.batcher = new TickBatcher(
      async (calls) => {
        if (calls.length === 1 && calls[0].length === 1) {
          // One entry (the common case under light load): a plain XADD, without building a pipeline, which costs
          // a publish about a third of its CPU.
          const [key, json] = calls[0][0];
          await redis.xadd(key, ...xaddArgs(maxLen, json));
          return;
        }
        const pipeline = redis.pipeline();
        for (const entries of calls)
          for (const [key, json] of entries) pipeline.xadd(key, ...xaddArgs(maxLen, json));
        const results = await pipeline.exec();
        if (!results) throw new Error('the XADD pipeline was discarded');
        let from = 0;
        return calls.map((entries) => {
          const failed = results.slice(from, (from += entries.length)).find(([error]) => error);
          return failed ? { error: failed[0] } : undefined;
        });
      },
      { flush: 'microtask' },
    );
  }

  /** Resolves once every entry is in its stream; rejects with the first failed entry's error otherwise. */
  publish(entries: Entries): Promise<void> {
    return this.batcher.add(entries);
  }
}
