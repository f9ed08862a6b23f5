import { PostgresServer } from '@shoal/testing';
import { pairedDifferences, runInterleaved, type MetricSamples } from '../harness/interleave.js';
import type { MetricRow } from '../harness/report.js';
import type { Scenario, ScenarioContext, ScenarioOutcome } from '../harness/scenario.js';
import { summarize } from '../harness/stats.js';
import { measureIdle, startIdle, type IdleSamples, type IdleWindow } from './idle-cost.js';
import { membershipLatencyTurn } from './membership-latency.js';
import { BARE_APP, CLUSTER_APP, SAMPLE_MAIN } from './membership-nodes.js';

/** Run shape of the membership scenario. */
interface MembershipSettings extends IdleWindow {
  readonly rounds: number;
  /** Join + SIGKILL trials per contestant per round. */
  readonly trialsPerRound: number;
  /** Idle window of the whole sample app (informational rows; shorter, to keep the scenario in its budget). */
  readonly sampleWindowMs: number;
}

/**
 * Default: 5 rounds × 4 trials = 20 trials per contestant; idle processes settle ≥ 20 s (while the latency trials
 * run), then an 8 s idle window (4 s for the informational whole-sample measurement).
 */
const FULL: MembershipSettings = {
  rounds: 5,
  trialsPerRound: 4,
  settleMs: 20_000,
  windowMs: 8000,
  sampleWindowMs: 4000,
};
/** `BENCH_QUICK=1`: 2 rounds × 2 trials, 5 s settle, 3 s windows. */
const QUICK: MembershipSettings = {
  rounds: 2,
  trialsPerRound: 2,
  settleMs: 5000,
  windowMs: 3000,
  sampleWindowMs: 3000,
};

/** The idle samples of the whole sample app, renamed `sample_<metric>` (shoal turns only; no target). */
function asSampleApp(samples: IdleSamples): MetricSamples {
  return Object.fromEntries(Object.entries(samples).map(([metric, values]) => [`sample_${metric}`, values]));
}

async function run({ quick, scope, log }: ScenarioContext): Promise<ScenarioOutcome> {
  const settings = quick ? QUICK : FULL;
  log('starting a private Postgres for the sample app');
  const postgres = scope.track(await PostgresServer.start(), (p) => p.stop());
  const databaseUrl = postgres.url;
  const samples = await runInterleaved({
    rounds: settings.rounds,
    smoke: quick,
    signal: scope.signal,
    turn: {
      // The idle processes start first and settle while the latency trials run; then each is measured alone (the
      // whole sample app first, then it is stopped and ClusterModule alone is measured).
      shoal: async (round): Promise<MetricSamples> => {
        const cluster = await startIdle(CLUSTER_APP, `idle-cluster-r${round}`, databaseUrl, scope);
        try {
          const sample = await startIdle(SAMPLE_MAIN, `idle-sample-r${round}`, databaseUrl, scope);
          try {
            const latency = await membershipLatencyTurn(
              { contestant: 'shoal', round, trials: settings.trialsPerRound, databaseUrl },
              scope,
            );
            const whole = await measureIdle(
              sample,
              { settleMs: settings.settleMs, windowMs: settings.sampleWindowMs },
              scope.signal,
            );
            await sample.stop();
            return {
              ...latency,
              ...(await measureIdle(cluster, settings, scope.signal)),
              ...asSampleApp(whole),
            };
          } finally {
            await sample.stop();
          }
        } finally {
          await cluster.stop();
        }
      },
      raw: async (round): Promise<MetricSamples> => {
        const bare = await startIdle(BARE_APP, `idle-bare-r${round}`, databaseUrl, scope);
        try {
          const latency = await membershipLatencyTurn(
            { contestant: 'raw', round, trials: settings.trialsPerRound, databaseUrl },
            scope,
          );
          return { ...latency, ...(await measureIdle(bare, settings, scope.signal)) };
        } finally {
          await bare.stop();
        }
      },
    },
    onTurn: (turn) => {
      const show = (metric: string, decimals = 0): string =>
        (turn.samples[metric] ?? []).map((x) => x.toFixed(decimals)).join(' ');
      log(
        `round ${turn.round}/${settings.rounds} ${turn.contestant.padEnd(5)} (${(turn.durationMs / 1000).toFixed(1)} s): ` +
          `join ms [${show('join_ms')}] kill ms [${show('kill_ms')}] idle ${show('idle_rss_mb', 1)} MB ` +
          `${show('idle_cpu_pct', 2)} % ${show('idle_redis_cmds_per_s', 1)} cmd/s` +
          (turn.contestant === 'shoal'
            ? `; whole sample ${show('sample_idle_rss_mb', 1)} MB ${show('sample_idle_cpu_pct', 2)} % ` +
              `${show('sample_idle_redis_cmds_per_s', 1)} cmd/s`
            : ''),
      );
    },
  });

  const shoal = samples.byContestant.shoal;
  const raw = samples.byContestant.raw;
  const rows: MetricRow[] = [
    {
      metric: 'join seen (ms)',
      shoal: summarize(shoal.join_ms),
      raw: summarize(raw.join_ms),
      target: { stat: 'max', op: '<=', value: 1000, unit: 'ms' },
    },
    {
      metric: 'SIGKILL removal seen (ms)',
      shoal: summarize(shoal.kill_ms),
      raw: summarize(raw.kill_ms),
      target: { stat: 'max', op: '<=', value: 3000, unit: 'ms' },
    },
    {
      metric: 'idle RSS (MB) [shoal = ClusterModule only, raw = bare Nest]',
      shoal: summarize(shoal.idle_rss_mb),
      raw: summarize(raw.idle_rss_mb),
      decimals: 1,
    },
    {
      metric: 'idle RSS, ClusterModule over bare (MB)',
      shoal: summarize(pairedDifferences(samples, 'idle_rss_mb')),
      target: { stat: 'median', op: '<=', value: 10, unit: 'MB' },
      decimals: 1,
    },
    {
      metric: 'idle CPU (%) [shoal = ClusterModule only, raw = bare Nest]',
      shoal: summarize(shoal.idle_cpu_pct),
      raw: summarize(raw.idle_cpu_pct),
      decimals: 2,
    },
    {
      metric: 'idle CPU, ClusterModule over bare (pp)',
      shoal: summarize(pairedDifferences(samples, 'idle_cpu_pct')),
      target: { stat: 'median', op: '<', value: 1, unit: 'pp' },
      decimals: 2,
    },
    {
      metric: 'idle Redis commands/s [shoal = ClusterModule only, raw = bare Nest]',
      shoal: summarize(shoal.idle_redis_cmds_per_s),
      raw: summarize(raw.idle_redis_cmds_per_s),
      decimals: 1,
    },
    {
      metric: 'info: idle RSS (MB) [shoal = whole sample app, raw = bare Nest]',
      shoal: summarize(shoal.sample_idle_rss_mb),
      raw: summarize(raw.idle_rss_mb),
      decimals: 1,
    },
    {
      metric: 'info: idle RSS, whole sample over bare (MB)',
      shoal: summarize(pairedDifferences(samples, 'sample_idle_rss_mb', 'idle_rss_mb')),
      decimals: 1,
    },
    {
      metric: 'info: idle CPU (%) [shoal = whole sample app, raw = bare Nest]',
      shoal: summarize(shoal.sample_idle_cpu_pct),
      raw: summarize(raw.idle_cpu_pct),
      decimals: 2,
    },
    {
      metric: 'info: idle CPU, whole sample over bare (pp)',
      shoal: summarize(pairedDifferences(samples, 'sample_idle_cpu_pct', 'idle_cpu_pct')),
      decimals: 2,
    },
    {
      metric: 'info: idle Redis commands/s [shoal = whole sample app]',
      shoal: summarize(shoal.sample_idle_redis_cmds_per_s),
      decimals: 1,
    },
  ];
  return {
    rounds: settings.rounds,
    settings: { ...settings, trialsPerContestant: settings.rounds * settings.trialsPerRound },
    samples,
    rows,
    notes: [
      `${settings.rounds * settings.trialsPerRound} join/SIGKILL trials per contestant over ${settings.rounds} interleaved rounds; ` +
        'each turn runs 2 observers + 1 joining node on its own private redis-server.',
      'shoal = the sample app (apps/sample/dist/main.js); raw = bench/src/fixtures/raw-member.ts (plain ioredis). ' +
        'Both: 500 ms heartbeat, 2000 ms failure timeout.',
      'join seen = max over observers of (observer saw joined) − (new node saw its own join); ' +
        'removal seen = max over observers of (observer saw left) − (just before SIGKILL). Local clock, same machine.',
      `idle rows: one process on its own private redis-server, started before the turn's latency trials and ` +
        `measured alone after them, ≥ ${settings.settleMs / 1000} s after readiness (so V8's memory reducer has ` +
        `returned the start-up heap: RSS read earlier flips by ~30 MB depending on whether it has run), ` +
        `${settings.windowMs / 1000} s window; shoal = bench/src/fixtures/cluster-app.ts (the bare Nest app + ` +
        "ClusterModule.forRoot({ redis, store: 'redis' }) only, no Postgres); raw = bench/src/fixtures/bare-app.ts " +
        '(no Shoal); "over bare" = per-round difference.',
      `"info:" rows (no target): the whole sample app as built (Cluster + Leader + Events + Schedule + ` +
        `typeorm/Postgres, and whatever else apps/sample wires) measured the same way in the shoal turn (before the ` +
        `ClusterModule-only app, which idles alongside) with a ${settings.sampleWindowMs / 1000} s window, against ` +
        "the same round's bare app.",
    ],
  };
}

/** Membership: join and SIGKILL-removal latency against a hand-written baseline, and idle cost per node. */
export const membership: Scenario = {
  name: 'membership',
  budgetMs: (quick) => (quick ? 90_000 : 360_000),
  run,
};
