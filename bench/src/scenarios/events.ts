import { PostgresServer } from '@shoal/testing';
import {
  mergeSamples,
  pairedRatios,
  runInterleaved,
  runSideBySide,
  type MetricSamples,
  type TurnRecord,
} from '../harness/interleave.js';
import type { MetricRow } from '../harness/report.js';
import type { Scenario, ScenarioContext, ScenarioOutcome } from '../harness/scenario.js';
import { percentile, summarize } from '../harness/stats.js';
import { outboxLatencyTurn, relayTurn, type OutboxLatencySettings } from './events-outbox.js';
import { STEADY_STATE_NODE } from './events-nodes.js';
import { eventsStreamRound, type StreamSettings, type StreamSlices } from './events-stream.js';

/** Run shape of the events scenario. */
interface EventsSettings {
  readonly rounds: number;
  readonly stream: StreamSettings;
  /**
   * Slices the latency run and bursts the throughput run are cut into, alternating between the contestants (see
   * `eventsStreamRound`).
   */
  readonly slices: StreamSlices;
  readonly outbox: OutboxLatencySettings;
  /** Outbox rows written before the relay starts. */
  readonly relayRows: number;
}

/**
 * Default: 5 rounds; per round and side 500 events/s for 8 s in 8 slices of 1 s alternating with the other side
 * (after 10 s of warm-up), 20,000 events as fast as possible in 4 bursts of 5,000 alternating likewise, 500 outbox
 * transactions/s for 6 s (shoal only), and a relay run over 20,000 rows. The warm-up is long enough for V8 to have
 * optimized both contestants' hot paths: after 1 s the JIT was still compiling (a Shoal process has more code to tier
 * up than the raw script), so the latency run measured start-up rather than the steady state a service runs in; after
 * 5 s both still had more events over 0.8 ms per slice in the first two slices of a round than in the last four
 * (one run: Shoal 9.4 against 2.6, the raw script 7.1 against 2.6).
 */
const FULL: EventsSettings = {
  rounds: 5,
  stream: { rate: 500, latencyEvents: 4000, warmupEvents: 5000, burstEvents: 20_000, burstWindow: 64 },
  outbox: { rate: 500, latencyEvents: 3000, warmupEvents: 500 },
  slices: { latency: 8, throughput: 4 },
  relayRows: 20_000,
};
/** `BENCH_QUICK=1`: 2 rounds, 2 s runs, 5,000 burst events (2 bursts) and relay rows. */
const QUICK: EventsSettings = {
  rounds: 2,
  stream: { rate: 500, latencyEvents: 1000, warmupEvents: 250, burstEvents: 5000, burstWindow: 64 },
  outbox: { rate: 500, latencyEvents: 1000, warmupEvents: 250 },
  slices: { latency: 2, throughput: 2 },
  relayRows: 5000,
};

async function run({ quick, scope, log }: ScenarioContext): Promise<ScenarioOutcome> {
  const settings = quick ? QUICK : FULL;

  // The Redis Streams rounds first, both sides' processes up at once, their latency runs alternating in slices;
  // then the Postgres parts, interleaved turn by turn. Postgres starts only after the stream rounds: a server just
  // through initdb keeps working for a while (and an idle one wakes up now and then), none of which the Redis
  // measurements should share the two cores with.
  const streamSamples = await runSideBySide({
    rounds: settings.rounds,
    smoke: quick,
    signal: scope.signal,
    round: (round) => eventsStreamRound(round, settings.stream, settings.slices, scope),
    onRound: (turns) => {
      const show = (t: TurnRecord): string =>
        `${t.contestant} p50 ${t.samples.stream_p50_ms[0].toFixed(2)} p99 ${t.samples.stream_p99_ms[0].toFixed(2)} ms, ` +
        `${t.samples.stream_events_per_s[0].toFixed(0)} events/s`;
      log(`stream round ${turns[0].round}/${settings.rounds}: ${turns.map(show).join('; ')}`);
    },
  });
  log('starting a private Postgres for the outbox');
  const postgres = scope.track(await PostgresServer.start(), (p) => p.stop());
  const databaseUrl = postgres.url;
  const postgresSamples = await runInterleaved({
    rounds: settings.rounds,
    smoke: quick,
    signal: scope.signal,
    turn: {
      shoal: async (round): Promise<MetricSamples> => ({
        ...(await outboxLatencyTurn(round, databaseUrl, settings.outbox, scope)),
        ...(await relayTurn('shoal', round, databaseUrl, settings.relayRows, scope)),
      }),
      raw: async (round): Promise<MetricSamples> => ({
        ...(await relayTurn('raw', round, databaseUrl, settings.relayRows, scope)),
      }),
    },
    onTurn: (t) => {
      const show = (metric: string, decimals = 0): string =>
        (t.samples[metric] ?? []).map((x) => x.toFixed(decimals)).join(' ');
      log(
        `round ${t.round}/${settings.rounds} ${t.contestant.padEnd(5)} (${(t.durationMs / 1000).toFixed(1)} s): ` +
          (t.contestant === 'shoal'
            ? `outbox p50 ${show('outbox_p50_ms', 2)} p99 ${show('outbox_p99_ms', 2)} ms; `
            : '') +
          `relay ${show('relay_rows_per_s')} rows/s`,
      );
    },
  });
  const samples = mergeSamples(streamSamples, postgresSamples);

  const shoal = samples.byContestant.shoal;
  const raw = samples.byContestant.raw;
  const p99Ratios = pairedRatios(streamSamples, 'stream_p99_ms');
  const tputRatios = pairedRatios(streamSamples, 'stream_events_per_s');
  const relayRatios = pairedRatios(postgresSamples, 'relay_rows_per_s');
  const rows: MetricRow[] = [
    {
      metric: 'publish → handler p50 per round (ms)',
      shoal: summarize(shoal.stream_p50_ms),
      raw: summarize(raw.stream_p50_ms),
      decimals: 2,
    },
    {
      metric: 'publish → handler p99 per round (ms)',
      shoal: summarize(shoal.stream_p99_ms),
      raw: summarize(raw.stream_p99_ms),
      decimals: 2,
    },
    {
      metric: 'publish → handler p99 shoal/raw, per round (×)',
      shoal: summarize(p99Ratios),
      target: { stat: 'median', op: '<=', value: 1.3, unit: '×' },
      decimals: 2,
    },
    {
      metric: 'publish → handler p99 pooled over all rounds, shoal/raw (×)',
      shoal: summarize([percentile(shoal.stream_ms, 99) / percentile(raw.stream_ms, 99)]),
      target: { stat: 'median', op: '<=', value: 1.3, unit: '×' },
      decimals: 2,
    },
    {
      metric: `throughput, ${settings.stream.burstEvents} events (events/s)`,
      shoal: summarize(shoal.stream_events_per_s),
      raw: summarize(raw.stream_events_per_s),
    },
    {
      metric: 'throughput shoal/raw, per round (×)',
      shoal: summarize(tputRatios),
      target: { stat: 'median', op: '>=', value: 0.9, unit: '×' },
      decimals: 2,
    },
    {
      metric: 'info: publish calls/s in the throughput run (publisher alone)',
      shoal: summarize(shoal.stream_publish_per_s),
      raw: summarize(raw.stream_publish_per_s),
    },
    {
      metric: 'outbox commit → handler p50 per round (ms)',
      shoal: summarize(shoal.outbox_p50_ms),
      decimals: 2,
    },
    {
      metric: 'outbox commit → handler p99 per round (ms)',
      shoal: summarize(shoal.outbox_p99_ms),
      target: { stat: 'median', op: '<=', value: 50, unit: 'ms' },
      decimals: 2,
    },
    {
      metric: `outbox relay, ${settings.relayRows} rows (rows/s)`,
      shoal: summarize(shoal.relay_rows_per_s),
      raw: summarize(raw.relay_rows_per_s),
    },
    {
      metric: 'outbox relay shoal/raw, per round (×)',
      shoal: summarize(relayRatios),
      target: { stat: 'median', op: '>=', value: 0.8, unit: '×' },
      decimals: 2,
    },
  ];
  const pooled = (values: number[]): string =>
    `p50 ${percentile(values, 50).toFixed(2)} ms, p99 ${percentile(values, 99).toFixed(2)} ms`;
  const { stream, outbox } = settings;
  const ratios = (values: number[]): string => values.map((r) => r.toFixed(2)).join(' ');
  return {
    rounds: settings.rounds,
    settings: {
      rounds: settings.rounds,
      rate: stream.rate,
      latencyEventsPerTurn: stream.latencyEvents,
      warmupEvents: stream.warmupEvents,
      latencySlices: settings.slices.latency,
      burstSlices: settings.slices.throughput,
      burstEvents: stream.burstEvents,
      burstWindow: stream.burstWindow,
      outboxEventsPerTurn: outbox.latencyEvents,
      outboxWarmupEvents: outbox.warmupEvents,
      relayRows: settings.relayRows,
      handlerConcurrency: 8,
      streamNodeOptions: STEADY_STATE_NODE.join(' '),
      relayBatchSize: 200,
    },
    samples,
    rows,
    notes: [
      `${settings.rounds} rounds of the Redis Streams runs with both sides' processes up at once, each pair on its ` +
        `own private redis-server, the latency run cut into ${settings.slices.latency} slices alternating between the sides ` +
        '(which side first alternates by round), then the throughput run likewise in ' +
        `${settings.slices.throughput} bursts alternating between the sides; then the Postgres parts in ` +
        `${settings.rounds} interleaved rounds, one private Postgres (a fresh schema per part), a private redis-server ` +
        'per part.',
      'shoal = bench/src/fixtures/events-app.ts (ClusterModule on Redis + LeaderModule + EventBusModule, one ' +
        "@IntegrationEvent('bench.ping') with a zod schema, one group @OnEvent handler, concurrency 8); raw = " +
        'bench/src/fixtures/raw-events.ts (XADD / XREADGROUP COUNT 8 + XACK on plain ioredis, same envelope ' +
        "bytes). One publisher process, one consumer process. Both sides' stream processes run with node " +
        `${STEADY_STATE_NODE.join(' ')}: V8's memory reducer would otherwise shrink each process's start-up heap in ` +
        'one or two mark-compacts 16–24 s after start, in the middle of the latency slices (see STEADY_STATE_NODE).',
      `latency: ${stream.latencyEvents} events per round and side at ${stream.rate}/s after ${stream.warmupEvents} ` +
        "unmeasured, publish call → handler, on the machine's monotonic clock (process.hrtime) in both processes. " +
        `Pooled: shoal ${pooled(shoal.stream_ms)}; raw ${pooled(raw.stream_ms)}.`,
      `throughput: ${stream.burstEvents} events per round and side in ${settings.slices.throughput} bursts, each ` +
        `published with ${stream.burstWindow} publishes in flight; all events / the sum of each burst's ` +
        '(last handled − first publish).',
      `outbox: ${outbox.latencyEvents} events per shoal turn at ${outbox.rate} transactions/s, each ` +
        'bus.publish(e, { manager }) in its own transaction; publisher and consumer both relay (relay: all); ' +
        `commit resolved → handler. Pooled: ${pooled(shoal.outbox_ms)}.`,
      `relay: ${settings.relayRows} rows pre-filled (relay off), then one relay process; rate from the rows' ` +
        'published_at (= each batch transaction’s start), start-up excluded. raw = bench/src/fixtures/raw-relay.ts ' +
        '(same table, batch 200, SELECT ... FOR UPDATE SKIP LOCKED + pipelined XADD + UPDATE published_at).',
      `ratios per round: p99 [${ratios(p99Ratios)}], throughput [${ratios(tputRatios)}], relay ` +
        `[${ratios(relayRatios)}].`,
    ],
  };
}

/** Events: cross-process latency and throughput against raw Redis Streams; outbox latency and relay throughput. */
export const events: Scenario = {
  name: 'events',
  budgetMs: (quick) => (quick ? 90_000 : 360_000),
  run,
};
