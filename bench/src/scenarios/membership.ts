import { PostgresServer } from '@shoal/testing';
import { pairedDifferences, runInterleaved, type MetricSamples } from '../harness/interleave.js';
import type { MetricRow } from '../harness/report.js';
import type { Scenario, ScenarioContext, ScenarioOutcome } from '../harness/scenario.js';
import { summarize } from '../harness/stats.js';
import { idleCostTurn, type IdleWindow } from './idle-cost.js';
import { membershipLatencyTurn } from './membership-latency.js';
import { BARE_APP, SAMPLE_MAIN } from './membership-nodes.js';

/** Run shape of the membership scenario. */
interface MembershipSettings extends IdleWindow {
  readonly rounds: number;
  /** Join + SIGKILL trials per contestant per round. */
  readonly trialsPerRound: number;
}

/** Default: 5 rounds × 4 trials = 20 trials per contestant; 3 s settle and a 10 s idle window. */
const FULL: MembershipSettings = { rounds: 5, trialsPerRound: 4, settleMs: 3000, windowMs: 10_000 };
/** `BENCH_QUICK=1`: 2 rounds × 2 trials, 1 s settle, 3 s window. */
const QUICK: MembershipSettings = { rounds: 2, trialsPerRound: 2, settleMs: 1000, windowMs: 3000 };

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
      shoal: async (round): Promise<MetricSamples> => ({
        ...(await membershipLatencyTurn(
          { contestant: 'shoal', round, trials: settings.trialsPerRound, databaseUrl },
          scope,
        )),
        ...(await idleCostTurn(SAMPLE_MAIN, `idle-shoal-r${round}`, settings, databaseUrl, scope)),
      }),
      raw: async (round): Promise<MetricSamples> => ({
        ...(await membershipLatencyTurn(
          { contestant: 'raw', round, trials: settings.trialsPerRound, databaseUrl },
          scope,
        )),
        ...(await idleCostTurn(BARE_APP, `idle-bare-r${round}`, settings, databaseUrl, scope)),
      }),
    },
    onTurn: (turn) => {
      const show = (metric: string, decimals = 0): string =>
        (turn.samples[metric] ?? []).map((x) => x.toFixed(decimals)).join(' ');
      log(
        `round ${turn.round}/${settings.rounds} ${turn.contestant.padEnd(5)} (${(turn.durationMs / 1000).toFixed(1)} s): ` +
          `join ms [${show('join_ms')}] kill ms [${show('kill_ms')}] idle ${show('idle_rss_mb', 1)} MB ` +
          `${show('idle_cpu_pct', 2)} % ${show('idle_redis_cmds_per_s', 1)} cmd/s`,
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
      metric: 'idle RSS (MB) [raw = bare Nest]',
      shoal: summarize(shoal.idle_rss_mb),
      raw: summarize(raw.idle_rss_mb),
      decimals: 1,
    },
    {
      metric: 'idle RSS over bare (MB)',
      shoal: summarize(pairedDifferences(samples, 'idle_rss_mb')),
      target: { stat: 'median', op: '<=', value: 10, unit: 'MB' },
      decimals: 1,
    },
    {
      metric: 'idle CPU (%) [raw = bare Nest]',
      shoal: summarize(shoal.idle_cpu_pct),
      raw: summarize(raw.idle_cpu_pct),
      decimals: 2,
    },
    {
      metric: 'idle CPU over bare (pp)',
      shoal: summarize(pairedDifferences(samples, 'idle_cpu_pct')),
      target: { stat: 'median', op: '<', value: 1, unit: 'pp' },
      decimals: 2,
    },
    {
      metric: 'idle Redis commands/s [raw = bare Nest]',
      shoal: summarize(shoal.idle_redis_cmds_per_s),
      raw: summarize(raw.idle_redis_cmds_per_s),
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
      `idle rows: one node alone on its own private redis-server, ${settings.settleMs / 1000} s settle, ` +
        `${settings.windowMs / 1000} s window; raw = bare Nest app (no Shoal); "over bare" = per-round difference. ` +
        'The shoal node is the whole sample app (every module it wires), not ClusterModule alone.',
    ],
  };
}

/** Membership: join and SIGKILL-removal latency against a hand-written baseline, and idle cost per node. */
export const membership: Scenario = {
  name: 'membership',
  budgetMs: (quick) => (quick ? 90_000 : 360_000),
  run,
};
