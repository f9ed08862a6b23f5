import { eventually, RedisServer } from '@shoal/testing';
import { ShoalOutboxMigration1795300000000, uuidv7 } from '@shoal/events';
import pg from 'pg';
import type { QueryRunner } from 'typeorm';
import type { Contestant } from '../harness/interleave.js';
import type { Scope } from '../harness/scope.js';
import { median, percentile } from '../harness/stats.js';
import { randomPrefix } from './membership-nodes.js';
import {
  consumerSamples,
  EVENTS_APP,
  handled,
  publish,
  RELAY_SCRIPT,
  resetConsumer,
  startEventsNode,
} from './events-nodes.js';

/** Shape of the outbox latency run (shoal only). */
export interface OutboxLatencySettings {
  /** Transactions (one event each) per second. */
  readonly rate: number;
  readonly latencyEvents: number;
  readonly warmupEvents: number;
}

/** Samples of one outbox latency run. */
export interface OutboxLatencySamples {
  /** Commit (the publisher's transaction resolved) → handler, ms, every event. */
  outbox_ms: number[];
  outbox_p50_ms: number[];
  outbox_p99_ms: number[];
}

/** Samples of one relay run. */
export interface RelaySamples {
  /** Rows moved from the outbox to Redis per second. */
  relay_rows_per_s: number[];
}

/** Rows per prefill `INSERT`. */
const PREFILL_CHUNK = 5000;
/** The longest the relay may take to empty the outbox. */
const DRAIN_TIMEOUT_MS = 120_000;

/**
 * Shoal, each event in its own transaction through `bus.publish(e, { manager })`: a publisher and a consumer
 * events-app on a private Redis and the scenario's private Postgres, both relaying (Shoal's default `relay: all`).
 * Latency = consumer's handling time − publisher's commit time of the same event.
 */
export function outboxLatencyTurn(
  round: number,
  databaseUrl: string,
  settings: OutboxLatencySettings,
  parent: Scope,
): Promise<OutboxLatencySamples> {
  return parent.child(async (scope) => {
    const redis = scope.track(await RedisServer.start(), (r) => r.kill());
    const stores = { redisUrl: redis.url, prefix: randomPrefix(), databaseUrl };
    scope.defer(() => dropSchema(databaseUrl, stores.prefix));
    const [publisher, consumer] = await Promise.all([
      startEventsNode(EVENTS_APP, `shoal-r${round}-opub`, 'publisher', stores, scope),
      startEventsNode(EVENTS_APP, `shoal-r${round}-ocon`, 'consumer', stores, scope),
    ]);

    await publish(publisher, { count: settings.warmupEvents, rate: settings.rate, outbox: true });
    await handled(consumer, settings.warmupEvents);
    await resetConsumer(consumer);

    const run = await publish(publisher, {
      count: settings.latencyEvents,
      rate: settings.rate,
      outbox: true,
    });
    await handled(consumer, settings.latencyEvents);
    const recorded = await consumerSamples(consumer);
    const seen = new Set<number>();
    const outbox_ms: number[] = [];
    recorded.seq.forEach((seq, i) => {
      if (seen.has(seq)) return; // a redelivery: the first handling counts
      seen.add(seq);
      outbox_ms.push(recorded.handledAt[i] - run.committedAt[seq]);
    });
    return {
      outbox_ms,
      outbox_p50_ms: [median(outbox_ms)],
      outbox_p99_ms: [percentile(outbox_ms, 99)],
    };
  });
}

/** Shoal's outbox DDL (its exported migration) in the schema `prefix`. */
class BenchOutboxTable extends ShoalOutboxMigration1795300000000 {
  constructor(schema: string) {
    super();
    this.schema = schema;
  }
}

async function withClient<T>(databaseUrl: string, body: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'bench' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  await withClient(databaseUrl, (c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
}

/**
 * Creates the outbox in schema `prefix` with Shoal's own DDL and fills it with `rows` unpublished `bench.ping`
 * envelopes shaped as Shoal writes them (no aggregate id), then `ANALYZE`s it.
 */
async function prefillOutbox(databaseUrl: string, prefix: string, rows: number): Promise<void> {
  await withClient(databaseUrl, async (client) => {
    const runner = { query: (sql: string) => client.query(sql) } as unknown as QueryRunner;
    await new BenchOutboxTable(prefix).up(runner);
    const occurredAt = new Date().toISOString();
    for (let from = 0; from < rows; from += PREFILL_CHUNK) {
      const envelopes = Array.from({ length: Math.min(PREFILL_CHUNK, rows - from) }, (_, i) => {
        const id = uuidv7();
        return {
          id,
          type: 'bench.ping',
          version: 1,
          occurredAt,
          source: 'bench-prefill',
          correlationId: id,
          headers: {},
          payload: { seq: from + i, sentAt: Date.now() },
        };
      });
      await client.query(
        `INSERT INTO "${prefix}"."outbox" (event_id, type, aggregate_id, envelope)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[])`,
        [
          envelopes.map((e) => e.id),
          envelopes.map((e) => e.type),
          envelopes.map(() => null),
          envelopes.map((e) => JSON.stringify(e)),
        ],
      );
    }
    await client.query(`ANALYZE "${prefix}"."outbox"`);
  });
}

/**
 * One contestant's relay turn: `rows` outbox rows written with no relay running, then one relay process started
 * (shoal: an events-app with only the relay working; raw: `raw-relay.ts`) and left to empty the outbox. Both stamp
 * `published_at = now()`, the start of each batch's transaction, so the rate is taken from the table itself: rows
 * of every batch but the last / (last batch's start − first batch's start). Start-up time is not counted.
 */
export function relayTurn(
  contestant: Contestant,
  round: number,
  databaseUrl: string,
  rows: number,
  parent: Scope,
): Promise<RelaySamples> {
  return parent.child(async (scope) => {
    const redis = scope.track(await RedisServer.start(), (r) => r.kill());
    const stores = { redisUrl: redis.url, prefix: randomPrefix(), databaseUrl };
    scope.defer(() => dropSchema(databaseUrl, stores.prefix));
    await prefillOutbox(databaseUrl, stores.prefix, rows);
    const table = `"${stores.prefix}"."outbox"`;
    return withClient(databaseUrl, async (client) => {
      await startEventsNode(
        RELAY_SCRIPT[contestant],
        `${contestant}-r${round}-relay`,
        'relay',
        stores,
        scope,
      );
      await eventually(
        async () => {
          const { rows: left } = await client.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM ${table} WHERE published_at IS NULL`,
          );
          return left[0].n === 0;
        },
        { timeoutMs: DRAIN_TIMEOUT_MS, intervalMs: 100, what: `${contestant} relay empties the outbox` },
      );
      const { rows: batches } = await client.query<{ at: number; n: number }>(
        `SELECT extract(epoch FROM published_at) * 1000 AS at, count(*)::int AS n
         FROM ${table} GROUP BY published_at ORDER BY published_at`,
      );
      if (batches.length < 2) throw new Error(`${contestant} relay used ${batches.length} batch(es)`);
      const relayed = batches.slice(0, -1).reduce((sum, b) => sum + b.n, 0);
      const seconds = (Number(batches[batches.length - 1].at) - Number(batches[0].at)) / 1000;
      return { relay_rows_per_s: [relayed / seconds] };
    });
  });
}
