import { PostgresServer, RedisServer } from '@shoal/testing';
import {
  mergeSamples,
  pairedRatios,
  runInterleaved,
  runSideBySide,
  type Contestant,
  type MetricSamples,
} from '../harness/interleave.js';
import type { MetricRow } from '../harness/report.js';
import type { Scenario, ScenarioContext, ScenarioOutcome } from '../harness/scenario.js';
import { percentile, summarize } from '../harness/stats.js';
import { LEASE_TTL_MS, leaderFailoverTurn, RENEW_MS } from './leader-failover.js';
import { leaderLockRound, type LockSamples } from './leader-locks.js';

/** Run shape of the leader scenario. */
interface LeaderSettings {
  readonly rounds: number;
  /** SIGTERM trials and SIGKILL trials each, per contestant per round. */
  readonly trialsPerKind: number;
  /** Measured lock acquisitions per contestant per round. */
  readonly acquisitions: number;
  /** Slices of a round's acquisitions, alternating between the contestants. */
  readonly lockSlices: number;
  /** Unmeasured lock acquisitions of each contestant before them. */
  readonly warmup: number;
  /** Quiet time in each lock round after both sides' setup, before the warm-up. */
  readonly lockSettleMs: number;
}

/**
 * Default: 5 rounds × (4 SIGTERM + 4 SIGKILL) = 20 of each per contestant; 4,000 lock acquisitions per contestant
 * per round in 4 alternating slices of 1,000, after 5,000 unmeasured of each. With 500, the first round measured V8
 * still compiling Shoal's lock path (its p99 ratio 1.7–2.2× against 1.0–1.4× in the later rounds of the same runs).
 */
const FULL: LeaderSettings = {
  rounds: 5,
  trialsPerKind: 4,
  acquisitions: 4000,
  lockSlices: 4,
  warmup: 5000,
  lockSettleMs: 1500,
};
/** `BENCH_QUICK=1`: 2 rounds × (1 + 1) trials, 500 lock acquisitions per round. */
const QUICK: LeaderSettings = {
  rounds: 2,
  trialsPerKind: 1,
  acquisitions: 500,
  lockSlices: 2,
  warmup: 200,
  lockSettleMs: 500,
};

async function run({ quick, scope, log }: ScenarioContext): Promise<ScenarioOutcome> {
  const settings = quick ? QUICK : FULL;
  log('starting a private Postgres for the sample app and a private Redis for the lock benchmark');
  const postgres = scope.track(await PostgresServer.start(), (p) => p.stop());
  const lockRedis = scope.track(await RedisServer.start(), (r) => r.kill());
  const databaseUrl = postgres.url;

  const failover = async (contestant: Contestant, round: number): Promise<MetricSamples> => ({
    ...(await leaderFailoverTurn(
      { contestant, round, trialsPerKind: settings.trialsPerKind, databaseUrl },
      scope,
    )),
  });
  const lockRound = (round: number): Promise<Record<Contestant, LockSamples>> =>
    leaderLockRound(
      {
        round,
        acquisitions: settings.acquisitions,
        slices: settings.lockSlices,
        warmup: settings.warmup,
        settleMs: settings.lockSettleMs,
        redisUrl: lockRedis.url,
      },
      scope,
    );
  // All lock rounds first, then all failover rounds: a lock round then never runs among the processes, sockets and
  // garbage a failover turn leaves behind.
  const lockSamples = await runSideBySide({
    rounds: settings.rounds,
    smoke: quick,
    signal: scope.signal,
    round: lockRound,
    onRound: (turns) => {
      const show = (metric: string): string =>
        turns
          .map((t) => `${t.contestant} ${(t.samples[metric] ?? []).map((x) => x.toFixed(0)).join(' ')}`)
          .join(', ');
      log(
        `locks round ${turns[0].round}/${settings.rounds}: p50 µs ${show('lock_p50_us')}; p99 µs ${show('lock_p99_us')}`,
      );
    },
  });
  const failoverSamples = await runInterleaved({
    rounds: settings.rounds,
    smoke: quick,
    signal: scope.signal,
    turn: { shoal: (round) => failover('shoal', round), raw: (round) => failover('raw', round) },
    onTurn: (t) => {
      const show = (metric: string): string => (t.samples[metric] ?? []).map((x) => x.toFixed(0)).join(' ');
      log(
        `failover round ${t.round}/${settings.rounds} ${t.contestant.padEnd(5)} ` +
          `(${(t.durationMs / 1000).toFixed(1)} s): SIGKILL ms [${show('sigkill_ms')}] SIGTERM ms [${show('sigterm_ms')}]`,
      );
    },
  });
  const samples = mergeSamples(lockSamples, failoverSamples);

  const shoal = samples.byContestant.shoal;
  const raw = samples.byContestant.raw;
  const killRatios = pairedRatios(failoverSamples, 'sigkill_ms');
  const termRatios = pairedRatios(failoverSamples, 'sigterm_ms');
  const p99Ratios = pairedRatios(lockSamples, 'lock_p99_us');
  const rows: MetricRow[] = [
    {
      metric: 'SIGKILL failover (ms)',
      shoal: summarize(shoal.sigkill_ms),
      raw: summarize(raw.sigkill_ms),
      target: { stat: 'max', op: '<=', value: LEASE_TTL_MS + 500, unit: 'ms' },
    },
    {
      metric: 'SIGKILL failover shoal/raw, per round (×)',
      shoal: summarize(killRatios),
      target: { stat: 'median', op: '<=', value: 1.1, unit: '×' },
      decimals: 2,
    },
    {
      metric: 'SIGTERM handover (ms)',
      shoal: summarize(shoal.sigterm_ms),
      raw: summarize(raw.sigterm_ms),
      target: { stat: 'max', op: '<=', value: 250, unit: 'ms' },
    },
    {
      metric: 'SIGTERM handover shoal/raw, per round (×)',
      shoal: summarize(termRatios),
      decimals: 2,
    },
    {
      metric: 'lock acquire p50 per round (µs)',
      shoal: summarize(shoal.lock_p50_us),
      raw: summarize(raw.lock_p50_us),
    },
    {
      metric: 'lock acquire p99 per round (µs)',
      shoal: summarize(shoal.lock_p99_us),
      raw: summarize(raw.lock_p99_us),
    },
    {
      metric: 'lock acquire p99 shoal/raw, per round (×)',
      shoal: summarize(p99Ratios),
      target: { stat: 'median', op: '<=', value: 1.5, unit: '×' },
      decimals: 2,
    },
    {
      metric: 'lock acquire p99 pooled over all rounds, shoal/raw (×)',
      shoal: summarize([percentile(shoal.lock_us, 99) / percentile(raw.lock_us, 99)]),
      target: { stat: 'median', op: '<=', value: 1.5, unit: '×' },
      decimals: 2,
    },
  ];
  const pooled = (values: number[]): string =>
    `p50 ${percentile(values, 50).toFixed(0)} µs, p99 ${percentile(values, 99).toFixed(0)} µs`;
  const trials = settings.rounds * settings.trialsPerKind;
  return {
    rounds: settings.rounds,
    settings: {
      ...settings,
      trialsPerKindPerContestant: trials,
      leaseTtlMs: LEASE_TTL_MS,
      renewMs: RENEW_MS,
    },
    samples,
    rows,
    notes: [
      `${trials} SIGKILL and ${trials} SIGTERM trials per contestant over ${settings.rounds} interleaved rounds; ` +
        'each turn runs 3 candidates on its own private redis-server, the signalled leader is replaced by a fresh ' +
        'candidate after each trial.',
      'shoal = the sample app (apps/sample/dist/main.js, SHOAL_STORE=redis, private Postgres as DATABASE_URL); ' +
        'raw = bench/src/fixtures/raw-leader.ts (plain ioredis SET NX PX loop). Both: lease TTL 3000 ms, renew ' +
        'every 1000 ms, retry every 250 ms.',
      'failover = from just before the signal to the first answer of GET /cluster (survivors polled every 10 ms) ' +
        'in which a survivor names itself leader. The leader is signalled at the same phases of its renewal cycle ' +
        'for both contestants (golden-ratio sequence, read from the lease key’s PTTL), so a SIGKILL leaves ' +
        '2000–3000 ms of lease to run out.',
      'SIGTERM: shoal releases the lease and publishes the release (survivors retry at once); raw deletes the ' +
        'key with compare-and-del and survivors find out on their next 250 ms retry. The sample runs with ' +
        "SHOAL_DRAIN_DELAY=0: with HealthModule's default drain delay (5 s, for load balancers) the lease is handed " +
        'back that much later.',
      `lock rows: ${settings.acquisitions} uncontended acquisitions per contestant per round in ` +
        `${settings.lockSlices} slices alternating between the contestants (which goes first alternates by round), ` +
        'all lock rounds before the failover rounds; both sides in the benchmark process (so a garbage collection ' +
        'falls on whichever side allocates when it is due), set up for the round, then ' +
        `${settings.lockSettleMs / 1000} s of quiet and ${settings.warmup} unmeasured acquisitions of each; one ` +
        'private redis-server for both, timing only the acquire call. shoal = LockService.tryLock + ' +
        'handle.release() (ClusterModule + LeaderModule application context, default options but ttl 10000), ' +
        'raw = one SET key val NX PX 10000 round trip + DEL on plain ioredis; each released before the next.',
      `lock pooled over all rounds: shoal ${pooled(shoal.lock_us)}; raw ${pooled(raw.lock_us)}.`,
      `ratios per round: SIGKILL [${killRatios.map((r) => r.toFixed(2)).join(' ')}], SIGTERM ` +
        `[${termRatios.map((r) => r.toFixed(2)).join(' ')}], lock p99 [${p99Ratios.map((r) => r.toFixed(2)).join(' ')}].`,
    ],
  };
}

/** Leader: failover after SIGKILL / SIGTERM of the leader and lock acquire latency, against hand-written Redis. */
export const leader: Scenario = {
  name: 'leader',
  budgetMs: (quick) => (quick ? 90_000 : 360_000),
  run,
};
