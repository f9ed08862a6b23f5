import { PostgresServer } from '@shoal/testing';
import { pairedRatios, runInterleaved, type MetricSamples } from '../harness/interleave.js';
import type { MetricRow } from '../harness/report.js';
import type { Scenario, ScenarioContext, ScenarioOutcome } from '../harness/scenario.js';
import { percentile, summarize } from '../harness/stats.js';
import type { StreamSettings } from './events-stream.js';
import { pgEventsTurn } from './postgres-events.js';
import { pgJobsTurn, type PgJobsSettings } from './postgres-jobs.js';

/** Run shape of the Postgres-only scenario. */
interface PostgresSettings {
  readonly rounds: number;
  readonly events: StreamSettings;
  readonly jobs: PgJobsSettings;
}

/** Default: 5 rounds; per turn 500 events/s for 6 s after 500 unmeasured, a 10,000-event burst, 10,000 jobs. */
const FULL: PostgresSettings = {
  rounds: 5,
  events: { rate: 500, latencyEvents: 3000, warmupEvents: 500, burstEvents: 10_000, burstWindow: 64 },
  jobs: { jobs: 10_000, concurrency: 50 },
};
/** `BENCH_QUICK=1`: 2 rounds, 2 s at 500/s, a 3,000-event burst, 3,000 jobs. */
const QUICK: PostgresSettings = {
  rounds: 2,
  events: { rate: 500, latencyEvents: 1000, warmupEvents: 250, burstEvents: 3000, burstWindow: 64 },
  jobs: { jobs: 3000, concurrency: 50 },
};

async function run({ quick, scope, log }: ScenarioContext): Promise<ScenarioOutcome> {
  const settings = quick ? QUICK : FULL;
  log('starting a private Postgres');
  const postgres = scope.track(await PostgresServer.start(), (p) => p.stop());
  const databaseUrl = postgres.url;

  // Both columns are Shoal: `shoal` = on Postgres alone, `raw` = the Redis path for events and raw pg-boss for jobs.
  const samples = await runInterleaved({
    rounds: settings.rounds,
    smoke: quick,
    signal: scope.signal,
    turn: {
      shoal: async (round): Promise<MetricSamples> => ({
        ...(await pgEventsTurn('postgres', round, databaseUrl, settings.events, scope)),
        ...(await pgJobsTurn('shoal', round, databaseUrl, settings.jobs, scope)),
      }),
      raw: async (round): Promise<MetricSamples> => ({
        ...(await pgEventsTurn('redis', round, databaseUrl, settings.events, scope)),
        ...(await pgJobsTurn('raw', round, databaseUrl, settings.jobs, scope)),
      }),
    },
    onTurn: (t) => {
      const show = (metric: string, decimals = 0): string =>
        (t.samples[metric] ?? []).map((x) => x.toFixed(decimals)).join(' ');
      log(
        `round ${t.round}/${settings.rounds} ${t.contestant === 'shoal' ? 'postgres' : 'redis/raw'} ` +
          `(${(t.durationMs / 1000).toFixed(1)} s): events p50 ${show('stream_p50_ms', 2)} p99 ` +
          `${show('stream_p99_ms', 2)} ms, ${show('stream_events_per_s')} events/s; jobs ${show('pg_jobs_per_s')}/s`,
      );
    },
  });

  const pgSide = samples.byContestant.shoal;
  const other = samples.byContestant.raw;
  const jobRatios = pairedRatios(samples, 'pg_jobs_per_s');
  const rows: MetricRow[] = [
    {
      metric: 'events publish → group handler p50 (ms; Postgres log | Redis Streams)',
      shoal: summarize(pgSide.stream_p50_ms),
      raw: summarize(other.stream_p50_ms),
      decimals: 2,
    },
    {
      metric: `events publish → group handler p99 at ${settings.events.rate}/s (ms; Postgres log | Redis Streams)`,
      shoal: summarize(pgSide.stream_p99_ms),
      raw: summarize(other.stream_p99_ms),
      target: { stat: 'median', op: '<=', value: 20, unit: 'ms' },
      decimals: 2,
    },
    {
      metric: `events throughput, ${settings.events.burstEvents} events (events/s; Postgres log | Redis Streams)`,
      shoal: summarize(pgSide.stream_events_per_s),
      raw: summarize(other.stream_events_per_s),
    },
    {
      metric: `jobs throughput, ${settings.jobs.jobs} no-op jobs (jobs/s; Shoal on pg-boss | raw pg-boss)`,
      shoal: summarize(pgSide.pg_jobs_per_s),
      raw: summarize(other.pg_jobs_per_s),
    },
    {
      metric: 'jobs throughput Shoal/raw pg-boss, per round (×)',
      shoal: summarize(jobRatios),
      target: { stat: 'median', op: '>=', value: 0.9, unit: '×' },
      decimals: 2,
    },
  ];
  const pooled = (values: number[]): string =>
    `p50 ${percentile(values, 50).toFixed(2)} ms, p99 ${percentile(values, 99).toFixed(2)} ms`;
  const { events, jobs } = settings;
  return {
    rounds: settings.rounds,
    settings: {
      rounds: settings.rounds,
      rate: events.rate,
      latencyEventsPerTurn: events.latencyEvents,
      warmupEvents: events.warmupEvents,
      burstEvents: events.burstEvents,
      burstWindow: events.burstWindow,
      handlerConcurrency: 8,
      jobs: jobs.jobs,
      jobsConcurrency: jobs.concurrency,
    },
    samples,
    rows,
    notes: [
      `${settings.rounds} interleaved rounds on one private Postgres (a fresh schema per part). Both columns of the ` +
        'event rows are Shoal: "shoal" = Postgres alone (the event log), "raw" = the Redis path (Redis Streams on a ' +
        'private redis-server). Job rows: "shoal" = JobsModule on its pg-boss backend, "raw" = pg-boss used directly.',
      'events: bench/src/fixtures/events-app.ts as a publisher and a consumer process (one group @OnEvent handler, ' +
        'concurrency 8); BENCH_STORE=postgres gives ClusterModule Postgres only. ' +
        `Latency: ${events.latencyEvents} events per turn at ${events.rate}/s after ${events.warmupEvents} ` +
        `unmeasured, publish call → handler. Pooled: Postgres log ${pooled(pgSide.stream_ms)}; Redis ` +
        `${pooled(other.stream_ms)}. Throughput: ${events.burstEvents} events with ${events.burstWindow} publishes in ` +
        'flight; events / (last handled − first publish).',
      `jobs: ${jobs.jobs} no-op jobs pre-filled into a pg-boss queue created with Shoal's queue options, then one ` +
        `worker process at concurrency ${jobs.concurrency}: bench/src/fixtures/jobs-worker-app.ts (JobsModule on ` +
        'Postgres) or bench/src/fixtures/jobs-raw-pgboss-worker.ts (boss.fetch of up to ' +
        `${jobs.concurrency} jobs, boss.complete of each job, no pause while jobs come). Rate = jobs / (first started_on → last completed_on). ` +
        `Ratios per round: [${jobRatios.map((r) => r.toFixed(2)).join(' ')}].`,
    ],
  };
}

/** Postgres alone: group events on the event log next to the Redis path, and jobs on pg-boss with and without Shoal. */
export const postgresOnly: Scenario = {
  name: 'postgres',
  budgetMs: (quick) => (quick ? 150_000 : 480_000),
  run,
};
