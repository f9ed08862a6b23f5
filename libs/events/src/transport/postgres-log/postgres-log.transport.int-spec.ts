import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually, seededRandom } from '@shoal/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import type { EventEnvelope } from '../../envelope/event-envelope.js';
import { testEnvelope } from '../../envelope/test-envelope.fixture-spec.js';
import { DeliveryNotDoneError } from '../../handling/not-done.error.js';
import type { TransportSubscription } from '../event-transport.js';
import type { ConsumptionGate } from '../stream-group-consumer.js';
import { PostgresLogTransport } from './postgres-log.transport.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const random = seededRandom(20_261_201);

/** What one subscription of one node received. */
class Recorder {
  readonly received: EventEnvelope[] = [];
  constructor(private readonly handle: (e: EventEnvelope) => Promise<void> = async () => undefined) {}
  get ns(): number[] {
    return this.received.map((e) => (e.payload as { n: number }).n);
  }
  subscription(
    name: string,
    scope: 'group' | 'broadcast',
    concurrency = 4,
    startFrom?: 'earliest' | 'latest',
  ): TransportSubscription {
    return {
      name,
      type: 't',
      scope,
      concurrency,
      startFrom,
      deliver: async (e) => {
        await this.handle(e);
        this.received.push(e);
      },
    };
  }
}

describe('PostgresLogTransport (events on Postgres alone)', () => {
  let dataSource: DataSource;
  let schema: string;
  const transports: PostgresLogTransport[] = [];

  const node = (id: string, gate?: ConsumptionGate, claimIdleTime = 60_000) => {
    const transport = new PostgresLogTransport(
      dataSource,
      schema,
      id,
      { retention: 3_600_000, claimIdleTime, pollInterval: 200 },
      () => gate,
    );
    transports.push(transport);
    return transport;
  };
  const events = (from: number, to: number) =>
    Array.from({ length: to - from }, (_, i) => testEnvelope('t', { n: from + i }));

  beforeAll(async () => {
    dataSource = await new DataSource({
      type: 'postgres',
      url: DATABASE_URL,
      extra: { max: 20 },
    }).initialize();
  });

  afterEach(async () => {
    await Promise.all(transports.splice(0).map((t) => t.stop(1000)));
    await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  });

  afterAll(async () => {
    await dataSource.destroy();
  });

  const fresh = () => (schema = `t_${Math.random().toString(36).slice(2, 10)}`);

  it('hands each event of a group to exactly one node, spread over the nodes; every group gets every event', async () => {
    fresh();
    const nodes = [node('a'), node('b'), node('c')];
    const billing = nodes.map(() => new Recorder(() => sleep(random.between(0, 3))));
    const audit = new Recorder();
    await Promise.all(nodes.map((n, i) => n.subscribe(billing[i].subscription('billing', 'group'))));
    await nodes[1].subscribe(audit.subscription('audit', 'group'));
    await nodes[0].publish(events(0, 150));
    await nodes[2].publish(events(150, 300));
    const all = () => billing.flatMap((r) => r.ns);
    await eventually(() => all().length >= 300 && audit.ns.length >= 300, {
      what: '300 events twice',
      timeoutMs: 30_000,
    });
    expect(all().sort((x, y) => x - y)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    for (const recorder of billing) expect(recorder.ns.length).toBeGreaterThan(0);
    expect(audit.ns.sort((x, y) => x - y)).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });

  it('broadcasts every event to every node, in publish order, from where each node started', async () => {
    fresh();
    const [a, b] = [node('a'), node('b')];
    await a.publish(events(0, 5)); // before anyone listened: not broadcast
    const readers = [new Recorder(), new Recorder()];
    await a.subscribe(readers[0].subscription('evict', 'broadcast', 1));
    await b.subscribe(readers[1].subscription('evict', 'broadcast', 1));
    await b.publish(events(5, 105));
    await eventually(() => readers.every((r) => r.ns.length >= 100), { what: 'broadcast everywhere' });
    for (const reader of readers) expect(reader.ns).toEqual(Array.from({ length: 100 }, (_, i) => i + 5));
  });

  it('never moves past an event whose transaction commits after later ones: held open 2.5 s while later events are handled, it is still delivered to the group and the broadcast reader, and the cursor moves on after it', async () => {
    fresh();
    const a = node('a');
    const [group, broadcast] = [new Recorder(), new Recorder()];
    await a.subscribe(group.subscription('g', 'group'));
    await a.subscribe(broadcast.subscription('b', 'broadcast', 1));
    const open = dataSource.createQueryRunner();
    await open.connect();
    try {
      await open.startTransaction();
      await a.publishWithin(open.manager, events(0, 1)); // n = 0 takes its seq now and commits last
      await a.publish(events(1, 11));
      await eventually(() => group.ns.length >= 10 && broadcast.ns.length >= 10, {
        what: 'the later events handled',
      });
      await sleep(2500); // the fault: a transaction that stays open, longer than any settling time
      const [{ seq }] = (await open.query(
        `SELECT seq::text AS seq FROM "${schema}".event_log WHERE envelope->'payload'->>'n' = '0'`,
      )) as { seq: string }[];
      const [{ cursor }] = (await dataSource.query(
        `SELECT cursor::text AS cursor FROM "${schema}".event_groups WHERE name = 'g'`,
      )) as { cursor: string }[];
      expect({ cursorBelowTheOpenEvent: BigInt(cursor) < BigInt(seq) }).toEqual({
        cursorBelowTheOpenEvent: true,
      });
      await open.commitTransaction();
    } finally {
      await open.release();
    }
    await eventually(() => group.ns.includes(0) && broadcast.ns.includes(0), {
      what: 'the late-committed event delivered to both',
    });
    expect([group.ns.sort((x, y) => x - y), broadcast.ns.sort((x, y) => x - y)]).toEqual([
      Array.from({ length: 11 }, (_, i) => i),
      Array.from({ length: 11 }, (_, i) => i),
    ]);
    // Once the transaction has ended the cursor moves on over all of them, and their claims are forgotten.
    await eventually(
      async () => {
        const [row] = (await dataSource.query(
          `SELECT (SELECT cursor FROM "${schema}".event_groups WHERE name = 'g') >= max(seq) AS passed,
                  (SELECT count(*)::int FROM "${schema}".event_claims) AS claims
           FROM "${schema}".event_log`,
        )) as { passed: boolean; claims: number }[];
        return row.passed && row.claims === 0;
      },
      { what: 'the cursor past every event, no claim left', timeoutMs: 30_000 },
    );
  });

  /**
   * Node `a` publishes n = 0 in a transaction that stays open (it takes the lowest seq), then n = 1, 2 committed;
   * `subscribe` runs on node `b` meanwhile (its first: its start-up DDL runs too); then the transaction commits, and
   * n = 3 is published.
   */
  const startWhileAnOlderTransactionIsOpen = async (
    subscribe: (b: PostgresLogTransport) => Promise<void>,
  ) => {
    fresh();
    const [a, b] = [node('a'), node('b')];
    const open = dataSource.createQueryRunner();
    await open.connect();
    try {
      await open.startTransaction();
      await a.publishWithin(open.manager, events(0, 1));
      await a.publish(events(1, 3));
      await subscribe(b);
      await open.commitTransaction();
    } finally {
      await open.release();
    }
    await a.publish(events(3, 4));
  };

  it('a broadcast reader that starts while an older transaction is still open gets its event once it commits, and none committed before it started', async () => {
    const reader = new Recorder();
    await startWhileAnOlderTransactionIsOpen((b) => b.subscribe(reader.subscription('late', 'broadcast', 1)));
    await eventually(() => reader.ns.includes(0) && reader.ns.includes(3), {
      what: 'the events committed after the start broadcast',
    });
    expect(reader.ns.sort((x, y) => x - y)).toEqual([0, 3]);
  });

  it("new groups that start while an older transaction is still open get its event once it commits: 'earliest' with all before it, 'latest' with none committed before it started", async () => {
    const [earliest, latest] = [new Recorder(), new Recorder()];
    await startWhileAnOlderTransactionIsOpen(async (b) => {
      await b.subscribe(earliest.subscription('from-earliest', 'group', 4, 'earliest'));
      await b.subscribe(latest.subscription('from-latest', 'group', 4, 'latest'));
    });
    await eventually(() => earliest.ns.length >= 4 && latest.ns.includes(0) && latest.ns.includes(3), {
      what: 'the events delivered to both groups',
    });
    expect([earliest.ns.sort((x, y) => x - y), latest.ns.sort((x, y) => x - y)]).toEqual([
      [0, 1, 2, 3],
      [0, 3],
    ]);
  });

  it('publishes inside the caller transaction: committed events are delivered, rolled-back ones never exist', async () => {
    fresh();
    const a = node('a');
    const recorder = new Recorder();
    await a.subscribe(recorder.subscription('g', 'group'));
    await dataSource.transaction((manager) => a.publishWithin(manager, events(1, 2)));
    await expect(
      dataSource.transaction(async (manager) => {
        await a.publishWithin(manager, events(2, 3));
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    await dataSource.transaction((manager) => a.publishWithin(manager, events(3, 4)));
    await eventually(() => recorder.ns.length >= 2, { what: 'the committed ones' });
    expect(recorder.ns.sort()).toEqual([1, 3]);
    const [{ count }] = (await dataSource.query(
      `SELECT count(*)::int AS count FROM "${schema}".event_log`,
    )) as {
      count: number;
    }[];
    expect(count).toBe(2);
  });

  it("releases a departed node's claims at once (reclaim) and a hung one's after claimIdleTime", async () => {
    fresh();
    const stuck = new Recorder(() => new Promise(() => undefined)); // never finishes
    const dead = node('dead', undefined, 600_000);
    await dead.subscribe(stuck.subscription('g', 'group', 2));
    await dead.publish(events(0, 2));
    await eventually(
      async () => {
        const rows = (await dataSource.query(`SELECT count(*)::int AS n FROM "${schema}".event_claims`)) as {
          n: number;
        }[];
        return rows[0].n === 2;
      },
      { what: 'both claimed by the node about to die' },
    );
    await dead.stop(10);

    const survivor = new Recorder();
    const alive = node('alive');
    await alive.subscribe(survivor.subscription('g', 'group'));
    await alive.reclaim((id) => id === 'alive');
    await eventually(() => survivor.ns.length === 2, { what: 'taken over after the node left' });

    // A live but hung consumer: its claim expires after claimIdleTime (here 300 ms) and another node runs it.
    const hung = node('hung', undefined, 300);
    const slow = new Recorder(() => new Promise(() => undefined));
    await hung.subscribe(slow.subscription('h', 'group', 1));
    await hung.publish(events(10, 11));
    const rescuer = new Recorder();
    await eventually(
      async () => {
        const rows = (await dataSource.query(
          `SELECT count(*)::int AS n FROM "${schema}".event_claims WHERE group_name = 'h'`,
        )) as { n: number }[];
        return rows[0].n >= 1;
      },
      { what: 'claimed by the hung node' },
    );
    await node('rescuer', undefined, 300).subscribe(rescuer.subscription('h', 'group'));
    await eventually(() => rescuer.ns.includes(10), { what: 'the hung claim taken over', timeoutMs: 10_000 });
  });

  it('redelivers an event whose delivery was not done, once its claim expires', async () => {
    fresh();
    let first = true;
    const recorder = new Recorder(async () => {
      if (first) {
        first = false;
        throw new DeliveryNotDoneError('shutting down');
      }
    });
    const a = node('a', undefined, 300);
    await a.subscribe(recorder.subscription('g', 'group', 1));
    await a.publish(events(7, 8));
    await eventually(() => recorder.ns.includes(7), {
      what: 'delivered again after the claim expired',
      timeoutMs: 10_000,
    });
  });

  it('an ordered group runs one event at a time, in seq order, only while it holds the gate, and a new holder goes on', async () => {
    fresh();
    const tokens: Record<string, number | undefined> = { a: 1, b: undefined };
    const gate = (id: string): ConsumptionGate => ({
      activeToken: () => tokens[id],
      track: (work) => work,
    });
    const seen: [string, number][] = [];
    let running = 0;
    let maxRunning = 0;
    const ordered = (id: string) =>
      new Recorder(async (e) => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await sleep(random.between(0, 2));
        seen.push([id, (e.payload as { n: number }).n]);
        running -= 1;
      });
    const [a, b] = [node('a', gate('a')), node('b', gate('b'))];
    await a.subscribe(ordered('a').subscription('ledger', 'group', 1));
    await b.subscribe(ordered('b').subscription('ledger', 'group', 1));
    await a.publish(events(0, 40));
    await eventually(() => seen.length >= 20, { what: 'a consumed some' });
    tokens.a = undefined; // a loses the lease…
    tokens.b = 2; // …b takes it
    await eventually(() => seen.length >= 40, { what: 'b carried on' });
    expect(seen.map(([, n]) => n)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(maxRunning).toBe(1);
    expect(seen.some(([id]) => id === 'b')).toBe(true);
  });

  it("a new group with startFrom 'latest' skips what was published before it", async () => {
    fresh();
    const a = node('a');
    await a.subscribe(new Recorder().subscription('first', 'group'));
    await a.publish(events(0, 3));
    const late = new Recorder();
    await a.subscribe(late.subscription('late', 'group', 4, 'latest'));
    await a.publish(events(3, 4));
    await eventually(() => late.ns.length === 1, { what: 'the event after it started' });
    expect(late.ns).toEqual([3]);
  });
});
