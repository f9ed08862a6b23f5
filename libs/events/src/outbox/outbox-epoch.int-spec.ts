import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { ensurePostgresSchema } from '@shoal/cluster/internal';
import { eventually } from '@shoal/testing';
import { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import type { EventEnvelope } from '../envelope/event-envelope.js';
import { testEnvelope } from '../envelope/test-envelope.fixture-spec.js';
import { EventsMetrics } from '../events.metrics.js';
import type { EventTransport } from '../transport/event-transport.js';
import { OutboxEpoch } from './outbox-epoch.js';
import { outboxDdl } from './outbox-schema.js';
import { OutboxRelay } from './outbox.relay.js';
import { OutboxWriter } from './outbox.writer.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const HOUR = 60 * 60 * 1000;

/** A transport that records what the relay published, in order. */
class RecordingTransport implements EventTransport {
  readonly supportsGroups = true;
  readonly published: EventEnvelope[] = [];
  async publish(envelopes: readonly EventEnvelope[]): Promise<void> {
    this.published.push(...envelopes);
  }
  async subscribe(): Promise<void> {}
  async stop(): Promise<void> {}
  async close(): Promise<void> {}
  count(id: string): number {
    return this.published.filter((e) => e.id === id).length;
  }
}

const envelope = (n: number): EventEnvelope => testEnvelope('test.epoch', { n });

describe('the outbox when Redis loses its data', () => {
  let dataSource: DataSource;
  let schema: string;
  let redisEpoch: string;
  const relays: OutboxRelay[] = [];
  const replayed: number[] = [];

  beforeAll(async () => {
    dataSource = new DataSource({ type: 'postgres', url: DATABASE_URL });
    await dataSource.initialize();
  });

  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop()));
    await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    replayed.length = 0;
  });

  afterAll(async () => {
    await dataSource.destroy();
  });

  async function relaying(transport: RecordingTransport, recoveryWindow = 7 * 24 * HOUR): Promise<void> {
    const epoch = new OutboxEpoch(
      schema,
      async () => redisEpoch,
      recoveryWindow,
      (rows) => replayed.push(rows),
    );
    const relay = new OutboxRelay(
      dataSource,
      schema,
      transport,
      { batchSize: 50, pollInterval: 50, retention: 7 * 24 * HOUR },
      new EventsMetrics(new Registry()),
      epoch,
    );
    relays.push(relay);
    await relay.start();
  }

  async function write(from: number, to: number): Promise<EventEnvelope[]> {
    const writer = new OutboxWriter(schema);
    const envelopes = Array.from({ length: to - from }, (_, i) => envelope(from + i));
    await dataSource.transaction((manager) => writer.write(manager, envelopes));
    return envelopes;
  }

  async function freshOutbox(): Promise<void> {
    schema = `t_${Math.random().toString(36).slice(2, 10)}`;
    redisEpoch = 'epoch-1';
    await ensurePostgresSchema(dataSource, schema, outboxDdl(schema));
  }

  it('publishes once while Redis keeps its data, and records the epoch at the first relay without replaying', async () => {
    await freshOutbox();
    const transport = new RecordingTransport();
    await relaying(transport);
    const rows = await write(0, 30);
    await eventually(() => transport.published.length >= 30, { what: 'the 30 rows relayed' });
    await write(30, 31);
    await eventually(() => transport.published.length >= 31, { what: 'one more row' });
    expect(transport.published.map((e) => e.id)).toEqual([...rows.map((e) => e.id), expect.any(String)]);
    expect(replayed).toEqual([]);
    expect(await dataSource.query(`SELECT redis_epoch FROM "${schema}".outbox_epoch`)).toEqual([
      { redis_epoch: 'epoch-1' },
    ]);
  });

  it('re-publishes every row published within the window, once across two relays, then carries on', async () => {
    await freshOutbox();
    const a = new RecordingTransport();
    const b = new RecordingTransport();
    await relaying(a, HOUR);
    await relaying(b, HOUR);
    const before = await write(0, 40);
    const count = () => a.published.length + b.published.length;
    await eventually(() => count() === 40, { what: 'the 40 rows relayed' });
    // Rows published long ago fall outside a 1-hour window.
    await dataSource.query(
      `UPDATE "${schema}".outbox SET published_at = now() - interval '2 hours'
       WHERE event_id = ANY($1::uuid[])`,
      [before.slice(0, 10).map((e) => e.id)],
    );

    redisEpoch = 'epoch-2'; // Redis came back empty
    const after = await write(40, 45);
    const all = () => [...a.published, ...b.published];
    await eventually(() => after.every((e) => all().some((p) => p.id === e.id)) && replayed.length > 0, {
      what: 'the new rows relayed after the replay',
    });
    await eventually(() => before.slice(10).every((e) => a.count(e.id) + b.count(e.id) === 2), {
      what: 'the 30 rows inside the window published again',
    });
    expect(replayed).toEqual([30]); // one replay for the whole cluster
    for (const e of before.slice(0, 10)) expect(a.count(e.id) + b.count(e.id)).toBe(1);
    expect(await dataSource.query(`SELECT redis_epoch FROM "${schema}".outbox_epoch`)).toEqual([
      { redis_epoch: 'epoch-2' },
    ]);
  });

  it('a relay that starts after the loss (the whole cluster restarted with an empty Redis) replays too', async () => {
    await freshOutbox();
    const first = new RecordingTransport();
    await relaying(first);
    const rows = await write(0, 10);
    await eventually(() => first.published.length === 10, { what: 'the 10 rows relayed' });
    await Promise.all(relays.splice(0).map((r) => r.stop()));

    redisEpoch = 'epoch-after-restart';
    const second = new RecordingTransport();
    await relaying(second);
    await eventually(() => rows.every((e) => second.count(e.id) === 1), {
      what: 'the 10 rows relayed again',
    });
    expect(replayed).toEqual([10]);
  });
});
