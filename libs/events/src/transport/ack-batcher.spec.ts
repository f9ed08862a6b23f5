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

/** A batcher on `redis` that records what it reports as failed. */
function batcherOn(redis: XackRecorder): { acks: AckBatcher; failures: string[] } {
  const failures: string[] = [];
  const acks = new AckBatcher(redis.asClient(), 'spec:events:{spec.order}', 'Billing.onOrder', (error, ids) =>
    failures.push(`${ids.join(',')}: ${String(error)}`),
  );
  return { acks, failures };
}

describe('AckBatcher', () => {
  it('sends the acknowledgements of one tick as one XACK, and those of a later tick as another', async () => {
    const redis = new XackRecorder();
    const { acks, failures } = batcherOn(redis);
    acks.ack('1-0');
    acks.ack('2-0');
    acks.ack('3-0');
    await acks.settled();
    acks.ack('4-0');
    await acks.settled();
    expect(redis.calls).toEqual([['1-0', '2-0', '3-0'], ['4-0']]);
    expect(failures).toEqual([]);
  });

  it('settles only once the XACK of every queued id is answered', async () => {
    const redis = new XackRecorder();
    const { acks } = batcherOn(redis);
    acks.ack('1-0');
    const settled = acks.settled();
    expect(redis.calls).toEqual([]);
    await settled;
    expect(redis.calls).toEqual([['1-0']]);
  });

  it('reports a failed XACK once with all its ids, never to a caller, and sends the next batch alone', async () => {
    const redis = new XackRecorder();
    const { acks, failures } = batcherOn(redis);
    redis.failNext = new Error('Connection is closed.');
    acks.ack('1-0');
    acks.ack('2-0');
    await expect(acks.settled()).resolves.toBeUndefined();
    acks.ack('3-0');
    await acks.settled();
    expect(failures).toEqual(['1-0,2-0: Error: Connection is closed.']);
    expect(redis.calls).toEqual([['1-0', '2-0'], ['3-0']]);
  });
});
