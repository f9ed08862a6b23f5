import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Registry } from 'prom-client';
import type { EventEnvelope } from '../envelope/event-envelope.js';
import { testEnvelope } from '../envelope/test-envelope.fixture-spec.js';
import { EventsMetrics } from '../events.metrics.js';
import type { EventTransport } from '../transport/event-transport.js';
import { FakeOutboxDatabase } from './fake-outbox-database.fixture-spec.js';
import { OutboxEpochChangedError, type OutboxEpoch } from './outbox-epoch.js';
import { OutboxRelay } from './outbox.relay.js';
import { outboxChannel } from './outbox-schema.js';

// The relay's decisions on an in-memory outbox (FakeOutboxDatabase) and Jest's fake clock.
const SCHEMA = 'spec';
const settings = { batchSize: 2, pollInterval: 1000, retention: 3_600_000 };

/** Records what is published; a publish can be made to fail or to wait until the test lets it through. */
class RecordingTransport {
  readonly published: { at: number; numbers: number[] }[] = [];
  readonly attempts: number[] = [];
  failures = 0;
  hold = false;
  release?: () => void;

  async publish(envelopes: readonly EventEnvelope[]): Promise<void> {
    this.attempts.push(Date.now());
    if (this.hold) {
      this.hold = false;
      await new Promise<void>((resolve) => (this.release = resolve));
    }
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('connect ECONNREFUSED');
    }
    this.published.push({ at: Date.now(), numbers: envelopes.map((e) => (e.payload as { n: number }).n) });
  }

  /** Every event published, in order. */
  all(): number[] {
    return this.published.flatMap((p) => p.numbers);
  }
}

describe('OutboxRelay', () => {
  let db: FakeOutboxDatabase;
  let transport: RecordingTransport;
  let relay: OutboxRelay;
  let started: number;
  const tick = (ms: number) => jest.advanceTimersByTimeAsync(ms);
  /** Inserts committed rows 1..n (payload n = row id) with the given aggregates. */
  const insert = (...aggregates: (string | null)[]) =>
    aggregates.map((aggregate) =>
      db.insert(testEnvelope('spec.outbox', { n: db.rows.length + 1 }), aggregate),
    );
  const makeRelay = (overrides: Partial<typeof settings> = {}, epoch?: OutboxEpoch) =>
    new OutboxRelay(
      db.asDataSource(),
      SCHEMA,
      transport as unknown as EventTransport,
      { ...settings, ...overrides },
      new EventsMetrics(new Registry()),
      epoch,
    );
  const start = async () => {
    await relay.start();
    started = Date.now();
  };

  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['queueMicrotask', 'nextTick'] });
    Logger.overrideLogger(false);
    db = new FakeOutboxDatabase();
    transport = new RecordingTransport();
    relay = makeRelay();
  });

  afterEach(async () => {
    transport.release?.();
    await relay.stop();
    jest.useRealTimers();
    Logger.overrideLogger(['log', 'error', 'warn']);
  });

  it('relays committed rows in id order, in batches of batchSize, and marks them published', async () => {
    insert(null, null, null, null, null);
    await start();
    await tick(1);
    expect(transport.published.map((p) => p.numbers)).toEqual([[1, 2], [3, 4], [5]]);
    expect(db.unpublished()).toEqual([]);
  });

  it('relays a row committed later at once when NOTIFY comes, not at the next poll', async () => {
    await start();
    await tick(1);
    insert(null);
    db.notify(outboxChannel(SCHEMA));
    await tick(1);
    expect(transport.all()).toEqual([1]);
    expect(transport.published[0].at - started).toBeLessThan(settings.pollInterval);
  });

  it('without NOTIFY, finds a committed row at the next poll, pollInterval after the last pass', async () => {
    await start();
    await tick(1);
    insert(null);
    await tick(settings.pollInterval - 2);
    expect(transport.all()).toEqual([]);
    await tick(2);
    expect(transport.all()).toEqual([1]);
  });

  it('rolls a batch whose publish failed back, and retries after 500 ms, then 1 s (doubling), until it goes', async () => {
    insert(null);
    transport.failures = 2;
    await start();
    await tick(5000);
    expect(transport.attempts.map((at) => at - started)).toEqual([0, 500, 1500]);
    expect(db.rollbacks).toBe(2);
    expect(transport.all()).toEqual([1]);
    expect(db.unpublished()).toEqual([]);
  });

  it('a wake during a pass runs one more pass right after it (several wakes: one pass), not at the next poll', async () => {
    insert(null);
    transport.hold = true;
    await start();
    await tick(1);
    insert(null);
    db.notify(outboxChannel(SCHEMA));
    db.notify(outboxChannel(SCHEMA));
    transport.release!();
    await tick(1);
    expect(transport.published.map((p) => p.numbers)).toEqual([[1], [2]]);
    // One batch per pass: the first pass's, then one more.
    expect(db.batches).toBe(2);
    await tick(settings.pollInterval - 2);
    expect(db.batches).toBe(2);
  });

  it("holds back a row behind an older row of its aggregate that another relay holds, and sends it soon after that one's", async () => {
    // A batch of 3 finds rows 2 and 3: 3 goes, 2 waits for row 1 (locked by another relay's batch).
    relay = makeRelay({ batchSize: 3 });
    const [first, second] = insert('order-1', 'order-1', null);
    db.rows[first - 1].lockedElsewhere = true;
    await start();
    await tick(1);
    expect(transport.all()).toEqual([3]);
    expect(db.unpublished()).toEqual([first, second]);
    // The other relay publishes the older row and commits.
    db.rows[first - 1].published = true;
    db.rows[first - 1].lockedElsewhere = false;
    await tick(50);
    expect(transport.all()).toEqual([3, 2]);
    expect(transport.published[1].at - started).toBeLessThan(settings.pollInterval);
  });

  it('counts a batch with held-back rows as full, so it reads on at once past them', async () => {
    const [first] = insert('order-1', 'order-1', null, null);
    db.rows[first - 1].lockedElsewhere = true;
    await start();
    await tick(1);
    expect(transport.all()).toEqual([3, 4]);
  });

  it('when Redis lost its data during a publish: rolls the batch back, reconciles, and publishes it again at once', async () => {
    let lost = true;
    let reconciled = 0;
    const epoch = {
      lockedEpochSql: 'NULL',
      accepts: () => true,
      reconcile: async () => void (reconciled += 1),
      confirmPublished: async () => {
        if (!lost) return;
        lost = false;
        throw new OutboxEpochChangedError();
      },
    };
    relay = makeRelay({}, epoch as unknown as OutboxEpoch);
    insert(null);
    await start();
    await tick(1);
    // Once at start, once after the loss.
    expect(reconciled).toBe(2);
    expect(db.rollbacks).toBe(1);
    expect(transport.all()).toEqual([1, 1]);
    expect(db.unpublished()).toEqual([]);
  });

  it('stop waits for the batch in flight to commit, and no pass starts after it', async () => {
    insert(null);
    transport.hold = true;
    await start();
    await tick(1);
    let stopped = false;
    const stopping = relay.stop().then(() => (stopped = true));
    await tick(1);
    expect(stopped).toBe(false);
    transport.release!();
    await stopping;
    expect(db.unpublished()).toEqual([]);
    insert(null);
    db.notify(outboxChannel(SCHEMA));
    await tick(10 * settings.pollInterval);
    expect(transport.attempts).toHaveLength(1);
  });
});
