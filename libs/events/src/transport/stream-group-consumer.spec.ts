import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { eventually } from '@shoal/testing';
import type { EventEnvelope } from '../envelope/event-envelope.js';
import { testEnvelope } from '../envelope/test-envelope.fixture-spec.js';
import { DeliveryNotDoneError } from '../handling/not-done.error.js';
import { FakeStreamRedis } from './fake-stream-redis.fixture-spec.js';
import { StreamGroupConsumer, type ConsumptionGate } from './stream-group-consumer.js';

// The consumer's decisions against an in-memory stream with Redis's group semantics (see FakeStreamRedis); reads
// block for real, briefly, so the waits below are on outcomes, never on time.
const STREAM = 'spec:events:{spec.order}';
const GROUP = 'Billing.onOrder';
const CLAIM_IDLE = 60_000;

const envelope = (n: number): EventEnvelope => testEnvelope('spec.order', { n });
const numberOf = (e: EventEnvelope) => (e.payload as { n: number }).n;

/** A gate the test opens and closes, as a lease would. */
class TestGate implements ConsumptionGate {
  token?: number;
  /** How often the consumer asked: its read loop's progress. */
  asked = 0;
  activeToken(): number | undefined {
    this.asked += 1;
    return this.token;
  }
  track<T>(work: Promise<T>): Promise<T> {
    return work;
  }
}

describe('StreamGroupConsumer', () => {
  let redis: FakeStreamRedis;
  let consumers: StreamGroupConsumer[];

  const consumer = (
    name: string,
    deliver: (e: EventEnvelope) => Promise<void> | undefined,
    options: { concurrency?: number; gate?: ConsumptionGate } = {},
  ) => {
    const created = new StreamGroupConsumer(
      redis.asClient(),
      STREAM,
      name,
      { name: GROUP, type: 'spec.order', scope: 'group', concurrency: options.concurrency ?? 4, deliver },
      { blockMs: 20, claimIdleTime: CLAIM_IDLE },
      options.gate,
    );
    consumers.push(created);
    return created;
  };
  /** Handled event numbers, and a deliver function that records them. */
  const recorder = () => {
    const seen: number[] = [];
    return { seen, deliver: async (e: EventEnvelope) => void seen.push(numberOf(e)) };
  };

  beforeEach(() => {
    Logger.overrideLogger(false);
    redis = new FakeStreamRedis();
    consumers = [];
  });

  afterEach(async () => {
    for (const c of consumers) await c.stop(100);
    Logger.overrideLogger(['log', 'error', 'warn']);
  });

  it('delivers each new entry once and acknowledges it', async () => {
    const { seen, deliver } = recorder();
    await consumer('node-a', deliver).start();
    const ids = [1, 2, 3].map((n) => redis.add(envelope(n)));
    await eventually(() => redis.acked.length === 3, { what: 'three acknowledgements' });
    expect(seen.sort()).toEqual([1, 2, 3]);
    expect(redis.acked.sort()).toEqual(ids.sort());
    expect(redis.pending(GROUP)).toEqual({});
  });

  it('acknowledges deliveries done synchronously in one XACK per read, and stop waits for that XACK', async () => {
    const seen: number[] = [];
    let stopped: Promise<void> | undefined;
    let ackedAtStop: string[] | undefined;
    const ids = [redis.add(envelope(1)), redis.add(envelope(2)), redis.add(envelope(3))];
    const c = consumer('node-a', (e) => {
      seen.push(numberOf(e));
      // Stop while the acknowledgements of this read are still queued.
      if (seen.length === 3) {
        ackedAtStop = [...redis.acked];
        stopped = c.stop(1000);
      }
      return undefined;
    });
    await c.start();
    await eventually(() => stopped !== undefined, { what: 'the third delivery' });
    await stopped;
    expect(ackedAtStop).toEqual([]);
    expect(redis.xackCalls).toEqual([ids]);
    expect(redis.pending(GROUP)).toEqual({});
  });

  it('leaves an entry pending, unacknowledged, when the delivery rejects', async () => {
    const ok = redis.add(envelope(1));
    const failing = redis.add(envelope(2));
    const notDone = redis.add(envelope(3));
    await consumer('node-a', async (e) => {
      if (numberOf(e) === 2) throw new Error('handler bug');
      if (numberOf(e) === 3) throw new DeliveryNotDoneError('shutting down');
    }).start();
    await eventually(() => redis.acked.length === 1, { what: 'the successful delivery acknowledged' });
    expect(redis.acked).toEqual([ok]);
    expect(redis.pending(GROUP)).toEqual({ 'node-a': [failing, notDone] });
  });

  it('acknowledges an entry that is not a Shoal envelope without delivering it', async () => {
    const { seen, deliver } = recorder();
    const junk = redis.add(undefined, ['data', 'not an envelope']);
    await consumer('node-a', deliver).start();
    await eventually(() => redis.acked.includes(junk), { what: 'the junk entry acknowledged' });
    expect(seen).toEqual([]);
  });

  it('at start, first delivers what this consumer name left pending before a restart', async () => {
    const first = redis.add(envelope(1));
    await redis.xgroup('CREATE', STREAM, GROUP, '0');
    await redis.xreadgroup('GROUP', GROUP, 'node-a', 'COUNT', 10, 'STREAMS', STREAM, '>');
    const { seen, deliver } = recorder();
    await consumer('node-a', deliver).start();
    await eventually(() => redis.acked.includes(first), { what: 'the old pending entry acknowledged' });
    expect(seen).toEqual([1]);
  });

  it('never runs more than `concurrency` deliveries at once', async () => {
    let running = 0;
    let most = 0;
    const release: (() => void)[] = [];
    await consumer(
      'node-a',
      async () => {
        running += 1;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => release.push(resolve));
        running -= 1;
      },
      { concurrency: 2 },
    ).start();
    for (let n = 1; n <= 5; n += 1) redis.add(envelope(n));
    await eventually(() => release.length === 2, { what: 'two deliveries started' });
    while (redis.acked.length < 5) {
      release.shift()?.();
      await eventually(() => release.length > 0 || redis.acked.length === 5, { what: 'the next delivery' });
    }
    expect(most).toBe(2);
  });

  it('lists the other consumers with pending entries; reclaimFrom takes over and handles what a departed one left, and only that', async () => {
    await redis.xgroup('CREATE', STREAM, GROUP, '0');
    const gone = [redis.add(envelope(1)), redis.add(envelope(2))];
    await redis.xreadgroup('GROUP', GROUP, 'node-gone', 'COUNT', 10, 'STREAMS', STREAM, '>');
    const alive = redis.add(envelope(3));
    await redis.xreadgroup('GROUP', GROUP, 'node-alive', 'COUNT', 10, 'STREAMS', STREAM, '>');
    const done = redis.add(envelope(4));
    await redis.xreadgroup('GROUP', GROUP, 'node-idle', 'COUNT', 10, 'STREAMS', STREAM, '>');
    await redis.xack(STREAM, GROUP, done);
    redis.acked.length = 0;
    const { seen, deliver } = recorder();
    const a = consumer('node-a', deliver);
    await a.start();
    expect(await a.consumersWithPending()).toEqual(['node-gone', 'node-alive']);
    expect(await a.reclaimFrom('node-gone')).toBe(2);
    await eventually(() => redis.acked.length === 2, { what: 'the reclaimed entries acknowledged' });
    expect(redis.acked.sort()).toEqual(gone.sort());
    expect(seen.sort()).toEqual([1, 2]);
    expect(redis.pending(GROUP)).toEqual({ 'node-alive': [alive] });
  });

  it('reclaimIdle takes over only entries pending longer than claimIdleTime', async () => {
    await redis.xgroup('CREATE', STREAM, GROUP, '0');
    const hung = redis.add(envelope(1));
    await redis.xreadgroup('GROUP', GROUP, 'node-hung', 'COUNT', 10, 'STREAMS', STREAM, '>');
    redis.elapse(CLAIM_IDLE);
    const fresh = redis.add(envelope(2));
    await redis.xreadgroup('GROUP', GROUP, 'node-busy', 'COUNT', 10, 'STREAMS', STREAM, '>');
    redis.elapse(1);
    const { seen, deliver } = recorder();
    const a = consumer('node-a', deliver);
    await a.start();
    await a.reclaimIdle();
    await eventually(() => redis.acked.includes(hung), { what: 'the hung entry handled' });
    expect(seen).toEqual([1]);
    expect(redis.pending(GROUP)).toEqual({ 'node-busy': [fresh] });
  });

  it('ordered (with a gate): consumes nothing while the gate is closed, and starts once it opens', async () => {
    const gate = new TestGate();
    const { seen, deliver } = recorder();
    await consumer('node-a', deliver, { concurrency: 1, gate }).start();
    redis.add(envelope(1));
    const asked = gate.asked;
    await eventually(() => gate.asked >= asked + 3, { what: 'the read loop to go round three times' });
    expect(seen).toEqual([]);
    expect(redis.pending(GROUP)).toEqual({});
    gate.token = 1;
    await eventually(() => seen.length === 1, { what: 'the delivery once the gate opened' });
  });

  it('ordered: on a new term, first takes over everything pending elsewhere, then reads on, all in stream order', async () => {
    await redis.xgroup('CREATE', STREAM, GROUP, '0');
    for (let n = 1; n <= 3; n += 1) redis.add(envelope(n));
    // The previous holder read 1-3 and handled none of them; it is still a member, its entries are not idle.
    await redis.xreadgroup('GROUP', GROUP, 'node-previous', 'COUNT', 10, 'STREAMS', STREAM, '>');
    redis.add(envelope(4));
    const gate = new TestGate();
    const { seen, deliver } = recorder();
    await consumer('node-a', deliver, { concurrency: 1, gate }).start();
    gate.token = 1;
    await eventually(() => seen.length === 4, { what: 'four deliveries' });
    redis.add(envelope(5));
    await eventually(() => seen.length === 5, { what: 'the fifth delivery' });
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it('re-creates its group when Redis lost it and handles what is published afterwards', async () => {
    const { seen, deliver } = recorder();
    await consumer('node-a', deliver).start();
    redis.add(envelope(1));
    await eventually(() => seen.length === 1, { what: 'the first delivery' });
    redis.loseData();
    redis.add(envelope(2));
    await eventually(() => seen.includes(2), { what: 'the delivery after the loss' });
    expect(seen).toEqual([1, 2]);
  });

  it('stop waits for a running delivery within the grace period, and leaves one that outlasts it pending', async () => {
    let finishFirst!: () => void;
    const started: number[] = [];
    await consumer('node-a', async (e) => {
      started.push(numberOf(e));
      if (numberOf(e) === 1) await new Promise<void>((resolve) => (finishFirst = resolve));
      else await new Promise(() => undefined);
    }).start();
    const first = redis.add(envelope(1));
    const stuck = redis.add(envelope(2));
    await eventually(() => started.length === 2, { what: 'both deliveries started' });
    const stopping = consumers[0].stop(200);
    finishFirst();
    await stopping;
    expect(redis.acked).toEqual([first]);
    expect(redis.pending(GROUP)).toEqual({ 'node-a': [stuck] });
  });
});
