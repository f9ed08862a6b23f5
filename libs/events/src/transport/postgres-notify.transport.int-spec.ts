import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { eventually } from '@shoal/testing';
import { DataSource } from 'typeorm';
import type { EventEnvelope } from '../envelope/event-envelope.js';
import { testEnvelope } from '../envelope/test-envelope.fixture-spec.js';
import type { TransportSubscription } from './event-transport.js';
import { PostgresNotifyTransport, type PostgresNotifyTransportOptions } from './postgres-notify.transport.js';
import { setTimeout as sleep } from 'node:timers/promises';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** An envelope whose trace header must survive the trip. */
const envelope = (type: string, payload: unknown = {}, source = 'node-a'): EventEnvelope => ({
  ...testEnvelope(type, payload, source),
  headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
});

function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => undefined as void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Records what one subscription of one node received. */
class Recorder {
  readonly received: EventEnvelope[] = [];
  running = 0;
  maxRunning = 0;

  constructor(private readonly handle: (envelope: EventEnvelope) => Promise<void> = async () => undefined) {}

  get ids(): string[] {
    return this.received.map((e) => e.id);
  }

  subscription(name: string, type: string, concurrency = 1): TransportSubscription {
    return {
      name,
      type,
      scope: 'broadcast',
      concurrency,
      deliver: async (e) => {
        this.running += 1;
        this.maxRunning = Math.max(this.maxRunning, this.running);
        try {
          await this.handle(e);
          this.received.push(e);
        } finally {
          this.running -= 1;
        }
      },
    };
  }
}

describe('PostgresNotifyTransport', () => {
  let dataSource: DataSource;
  let schema: string;
  const transports: PostgresNotifyTransport[] = [];
  const node = (id: string, options?: PostgresNotifyTransportOptions) => {
    const transport = new PostgresNotifyTransport(dataSource, schema, id, options);
    transports.push(transport);
    return transport;
  };

  beforeEach(async () => {
    schema = `t_${Math.random().toString(36).slice(2, 10)}`;
    dataSource = await new DataSource({
      type: 'postgres',
      url: DATABASE_URL,
      extra: { max: 20 },
    }).initialize();
  });

  afterEach(async () => {
    await Promise.all(transports.splice(0).map((transport) => transport.close()));
    await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await dataSource.destroy();
  });

  it('broadcasts to every node, in publish order, and the publisher gets its own events once', async () => {
    const nodes = [node('node-a'), node('node-b'), node('node-c')];
    const recorders = nodes.map(() => new Recorder(() => sleep(Math.random() * 2)));
    await Promise.all(nodes.map((t, i) => t.subscribe(recorders[i].subscription('Evict.on', 'cache.evict'))));
    const fromA = Array.from({ length: 20 }, () => envelope('cache.evict'));
    const fromB = Array.from({ length: 10 }, () => envelope('cache.evict', {}, 'node-b'));
    await nodes[0].publish(fromA.slice(0, 10));
    await nodes[0].publish(fromA.slice(10));
    for (const e of fromB) await nodes[1].publish([e]);

    await eventually(() => recorders.every((r) => r.received.length >= 30), { what: 'all delivered' });
    await sleep(300); // any echo would have arrived by now
    for (const recorder of recorders) {
      expect(recorder.ids.length).toBe(30);
      expect(new Set(recorder.ids).size).toBe(30);
      expect(recorder.ids.filter((id) => fromA.some((e) => e.id === id))).toEqual(fromA.map((e) => e.id));
      expect(recorder.ids.filter((id) => fromB.some((e) => e.id === id))).toEqual(fromB.map((e) => e.id));
      expect(recorder.maxRunning).toBe(1);
    }
    expect(recorders[2].received[0]).toEqual(fromA[0]);
  });

  it('routes by type and ignores types nobody here subscribes to', async () => {
    const [a, b] = [node('node-a'), node('node-b')];
    const orders = new Recorder();
    const invoices = new Recorder();
    await b.subscribe(orders.subscription('Orders.on', 'order.placed'));
    await b.subscribe(invoices.subscription('Invoices.on', 'invoice.sent'));
    const order = envelope('order.placed');
    const invoice = envelope('invoice.sent');
    await a.publish([envelope('nobody.listens'), order, invoice]);
    await eventually(() => orders.received.length === 1 && invoices.received.length === 1, {
      what: 'routed',
    });
    expect(orders.ids).toEqual([order.id]);
    expect(invoices.ids).toEqual([invoice.id]);
  });

  it('sends a large envelope by reference, in order with the small ones', async () => {
    const [a, b, c] = [node('node-a'), node('node-b'), node('node-c')];
    const recorders = [new Recorder(), new Recorder(), new Recorder()];
    await a.subscribe(recorders[0].subscription('Doc.on', 'doc.saved'));
    await b.subscribe(recorders[1].subscription('Doc.on', 'doc.saved'));
    await c.subscribe(recorders[2].subscription('Doc.on', 'doc.saved'));
    const large = envelope('doc.saved', { text: 'é'.repeat(25_000), items: [1, 2, 3] }); // 50 KB of UTF-8
    const published = [envelope('doc.saved', { n: 1 }), large, envelope('doc.saved', { n: 2 })];
    await a.publish(published);

    await eventually(() => recorders.every((r) => r.received.length === 3), { what: 'delivered' });
    for (const recorder of recorders) {
      expect(recorder.ids).toEqual(published.map((e) => e.id));
      expect(recorder.received[1]).toEqual(large);
    }
    const [{ count }] = (await dataSource.query(
      `SELECT count(*)::int AS count FROM "${schema}"."event_payloads"`,
    )) as [{ count: number }];
    expect(count).toBe(1);
  });

  it('deletes payload rows older than an hour on publish', async () => {
    const a = node('node-a');
    await a.publish([envelope('doc.saved', { text: 'x'.repeat(9000) })]);
    await a.close(); // its first cleanup has run
    await dataSource.query(
      `INSERT INTO "${schema}"."event_payloads" (id, envelope, created_at)
       VALUES (gen_random_uuid(), '{}', now() - interval '2 hours')`,
    );
    // A new transport (node restart) cleans up at its first large publish.
    await node('node-a2').publish([envelope('doc.saved', { text: 'y'.repeat(9000) })]);
    await eventually(
      async () => {
        const rows = (await dataSource.query(
          `SELECT count(*)::int AS count FROM "${schema}"."event_payloads" WHERE created_at < now() - interval '1 hour'`,
        )) as [{ count: number }];
        return rows[0].count === 0;
      },
      { what: 'old row deleted' },
    );
    const [{ count }] = (await dataSource.query(
      `SELECT count(*)::int AS count FROM "${schema}"."event_payloads"`,
    )) as [{ count: number }];
    expect(count).toBe(2);
  });

  it('refuses group scope', async () => {
    const a = node('node-a');
    expect(a.supportsGroups).toBe(false);
    await expect(
      a.subscribe({ ...new Recorder().subscription('G.on', 't'), scope: 'group' }),
    ).rejects.toThrow(/group scope needs the Redis Streams transport/);
  });

  it('respects concurrency per subscriber', async () => {
    const [a, b] = [node('node-a'), node('node-b')];
    const release = gate();
    const recorder = new Recorder(() => release.promise);
    await b.subscribe(recorder.subscription('Slow.on', 't', 2));
    await a.publish(Array.from({ length: 6 }, () => envelope('t')));
    await eventually(() => recorder.running === 2, { what: 'two running' });
    await sleep(50);
    expect(recorder.running).toBe(2);
    release.open();
    await eventually(() => recorder.received.length === 6, { what: 'all handled' });
    expect(recorder.maxRunning).toBe(2);
  });

  it('retries a rejected delivery a few times, then drops it', async () => {
    const [a, b] = [node('node-a'), node('node-b', { retryDelayMs: 10, maxRetries: 3 })];
    const attempts = new Map<string, number>();
    const handled: string[] = [];
    const flaky = envelope('t', { flaky: true });
    const broken = envelope('t', { broken: true });
    const after = envelope('t');
    await b.subscribe({
      name: 'Flaky.on',
      type: 't',
      scope: 'broadcast',
      concurrency: 1,
      deliver: async (e) => {
        const attempt = (attempts.get(e.id) ?? 0) + 1;
        attempts.set(e.id, attempt);
        if (e.id === broken.id || (e.id === flaky.id && attempt < 3)) throw new Error('handler failed');
        handled.push(e.id);
      },
    });
    await a.publish([flaky, broken, after]);
    await eventually(() => handled.length === 2, { what: 'handled' });
    expect(handled).toEqual([flaky.id, after.id]);
    expect(attempts.get(flaky.id)).toBe(3);
    expect(attempts.get(broken.id)).toBe(4);
  });

  it('delivers to its own subscribers after the NOTIFY, never inside publish', async () => {
    const a = node('node-a');
    let delivered = 0;
    await a.subscribe({
      name: 'Self.on',
      type: 't',
      scope: 'broadcast',
      concurrency: 1,
      deliver: async () => {
        delivered += 1;
      },
    });
    const publishing = a.publish([envelope('t')]);
    expect(delivered).toBe(0);
    await publishing;
    await eventually(() => delivered === 1, { what: 'delivered' });
  });

  describe('stop', () => {
    it('waits for running deliveries, then ignores new notifications', async () => {
      const [a, b] = [node('node-a'), node('node-b')];
      const release = gate();
      let finished = false;
      const recorder = new Recorder(async () => {
        await release.promise;
        finished = true;
      });
      await b.subscribe(recorder.subscription('S.on', 't'));
      await a.publish([envelope('t'), envelope('t')]);
      await eventually(() => recorder.running === 1, { what: 'running' });

      setTimeout(release.open, 100);
      const started = Date.now();
      await b.stop(5000);
      expect(finished).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(80);
      expect(recorder.received.length).toBe(1); // the queued one was dropped

      await a.publish([envelope('t')]);
      await sleep(200);
      expect(recorder.received.length).toBe(1);
      await expect(b.subscribe(recorder.subscription('S2.on', 't'))).rejects.toThrow(/stopped/);
    });

    it('returns after the grace period when a delivery does not finish', async () => {
      const [a, b] = [node('node-a'), node('node-b')];
      const never = gate();
      const recorder = new Recorder(() => never.promise);
      await b.subscribe(recorder.subscription('Stuck.on', 't'));
      await a.publish([envelope('t')]);
      await eventually(() => recorder.running === 1, { what: 'running' });
      const started = Date.now();
      await b.stop(100);
      expect(Date.now() - started).toBeLessThan(2000);
      never.open();
    });
  });
});
