import { pairedRatios } from '../harness/interleave.js';
import { latencyRows, pooledPercentiles } from '../harness/latency-rows.js';
import { roundsOnPrivateRedis } from '../harness/private-redis-rounds.js';
import type { MetricRow } from '../harness/report.js';
import type { Scenario, ScenarioContext, ScenarioOutcome } from '../harness/scenario.js';
import { percentile, summarize } from '../harness/stats.js';
import { cacheTurn, KEY_COUNT } from './cache-turns.js';

/** Run shape of the cache scenario. */
interface CacheSettings {
  readonly rounds: number;
  readonly l1Reads: number;
  readonly l2Reads: number;
  readonly batches: number;
  readonly invalidations: number;
}

/** Default: 5 rounds; per turn 20 × 30,000 L1 reads, 20 × 1,000 L2 reads, 1,000 invalidations. */
const FULL: CacheSettings = { rounds: 5, l1Reads: 30_000, l2Reads: 1000, batches: 20, invalidations: 1000 };
/** `BENCH_QUICK=1`: 2 rounds, 5 batches of a sixth of the reads, a tenth of the invalidations. */
const QUICK: CacheSettings = { rounds: 2, l1Reads: 5000, l2Reads: 150, batches: 5, invalidations: 100 };

async function run(context: ScenarioContext): Promise<ScenarioOutcome> {
  const settings = context.quick ? QUICK : FULL;
  const samples = await roundsOnPrivateRedis(
    context,
    settings.rounds,
    (contestant, redisUrl) => cacheTurn({ contestant, redisUrl, ...settings }, context.scope),
    (show) =>
      `L1 ${show('l1_ops')} ops/s, L2 ${show('l2_ops')} ops/s, propagation p50 ${show('propagation_p50_us')} µs ` +
      `p99 ${show('propagation_p99_us')} µs`,
  );
  const shoal = samples.byContestant.shoal;
  const raw = samples.byContestant.raw;
  const l1Ratios = pairedRatios(samples, 'l1_ops');
  const l2Ratios = pairedRatios(samples, 'l2_ops');
  /** "shoal p99 x µs, raw y µs: z×" of read latencies pooled over all rounds. */
  const pooledP99 = (metric: string, decimals: number): string => {
    const [ours, theirs] = [percentile(shoal[metric], 99), percentile(raw[metric], 99)];
    return `shoal ${ours.toFixed(decimals)} µs, raw ${theirs.toFixed(decimals)} µs: ${(ours / theirs).toFixed(2)}×`;
  };
  const rows: MetricRow[] = [
    { metric: 'L1 hit (ops/s)', shoal: summarize(shoal.l1_ops), raw: summarize(raw.l1_ops) },
    {
      metric: 'L1 hit shoal/raw, per round (×)',
      shoal: summarize(l1Ratios),
      target: { stat: 'median', op: '>=', value: 0.8, unit: '×' },
      decimals: 2,
    },
    {
      metric: 'L1 hit p99 per round (µs per read, means of 1,000)',
      shoal: summarize(shoal.l1_p99_us),
      raw: summarize(raw.l1_p99_us),
      decimals: 3,
    },
    { metric: 'L2 hit (ops/s, one in flight)', shoal: summarize(shoal.l2_ops), raw: summarize(raw.l2_ops) },
    {
      metric: 'L2 hit shoal/raw, per round (×)',
      shoal: summarize(l2Ratios),
      target: { stat: 'median', op: '>=', value: 0.8, unit: '×' },
      decimals: 2,
    },
    {
      metric: 'L2 hit p99 per round (µs)',
      shoal: summarize(shoal.l2_p99_us),
      raw: summarize(raw.l2_p99_us),
      decimals: 0,
    },
    ...latencyRows('invalidation → other process', 'propagation', shoal, raw, 2, {
      stat: 'median',
      op: '<=',
      value: 5,
      unit: 'ms',
    }),
  ];
  return {
    rounds: settings.rounds,
    settings: { ...settings },
    samples,
    rows,
    notes: [
      'One private redis-server; each turn in the benchmark process plus one listener process ' +
        '(bench/src/fixtures/cache-listener.ts).',
      `L1 hit: shoal = \`await cache.get(key)\` on a CacheService (provider redis, maxEntries ${KEY_COUNT}) holding ` +
        `${KEY_COUNT} keys in L1; raw = \`await lru.get(key)\` on a bare lru-cache 11 (max ${KEY_COUNT}) holding the same ` +
        'keys and values. Both read the keys in turn, each read awaited, in the same loop (ops/s: the best of ' +
        `${settings.batches} batches of ${settings.l1Reads} reads; latency: mean of each 1,000 reads in a row).`,
      `L2 hit: both read ${KEY_COUNT + 1} keys in turn, so with ${KEY_COUNT} L1 entries every shoal read misses L1, ` +
        'reads Redis and fills L1; shoal = `await cache.get(key)`, raw = `JSON.parse(await redis.get(key))` on ioredis ' +
        '(the same value; Shoal stores it in BentoCache’s entry with its times). One read in flight; ops/s: the best of ' +
        `${settings.batches} batches of ${settings.l2Reads} reads; latency per read.`,
      'invalidation: shoal = `cache.delete(key)` (L1, Redis UNLINK, then PUBLISH on the bus) until the listener’s ' +
        'CacheService.invalidations$ emits; raw = one ioredis PUBLISH until a bare subscriber gets it. Wall clock ' +
        '(timeOrigin + now) on both sides of one machine.',
      `invalidation pooled over all rounds: shoal ${pooledPercentiles(shoal.propagation_us, 2)}; raw ${pooledPercentiles(raw.propagation_us, 2)}.`,
      `ratios per round (ops/s shoal/raw): L1 [${l1Ratios.map((r) => r.toFixed(2)).join(' ')}], L2 ` +
        `[${l2Ratios.map((r) => r.toFixed(2)).join(' ')}].`,
      `read latency p99 pooled over all rounds: L1 ${pooledP99('l1_us', 3)}; L2 ${pooledP99('l2_us', 0)}.`,
    ],
  };
}

/** Cache: L1 and L2 hits against lru-cache and ioredis, invalidation propagation across processes. */
export const cache: Scenario = {
  name: 'cache',
  budgetMs: (quick) => (quick ? 90_000 : 300_000),
  run,
};
