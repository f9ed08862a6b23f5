import { describe, expect, it } from '@jest/globals';
import type { RedisClient } from '@shoal/cluster';
import { AckBatcher } from './ack-batcher.js';

/** Records each `XACK` call; fails the calls the test says should. */
class XackRecorder {
  readonly calls: string[][] = [];
  failNext?: Error;

  async xack(_stream: string, _group: string, ...ids: string[]): Promise<number> {
    this.calls.push(ids);
    const failure = this.failNext;
    this.failNext = undefined;
    if (failure) throw failure;
    return ids.length;
  }

  asClient(): RedisClient {
    return this as unknown as RedisClient;
  }
}

describe('AckBatcher', () => {
  it('sends the acknowledgements of one tick as one XACK, and those of a later tick as another', async () => {
    const redis = new XackRecorder();
    const acks = new AckBatcher(redis.asClient(), 'spec:events:{spec.order}', 'Billing.onOrder');
    await Promise.all([acks.ack('1-0'), acks.ack('2-0'), acks.ack('3-0')]);
    await acks.ack('4-0');
    expect(redis.calls).toEqual([['1-0', '2-0', '3-0'], ['4-0']]);
  });

  it("rejects every caller of a batch whose XACK failed, and sends the next batch's ids alone", async () => {
    const redis = new XackRecorder();
    const acks = new AckBatcher(redis.asClient(), 'spec:events:{spec.order}', 'Billing.onOrder');
    redis.failNext = new Error('Connection is closed.');
    const outcomes = await Promise.allSettled([acks.ack('1-0'), acks.ack('2-0')]);
    expect(outcomes.map((o) => (o.status === 'rejected' ? String(o.reason) : o.status))).toEqual([
      'Error: Connection is closed.',
      'Error: Connection is closed.',
    ]);
    await expect(acks.ack('3-0')).resolves.toBeUndefined();
    expect(redis.calls).toEqual([['1-0', '2-0'], ['3-0']]);
  });
});
