import { pairedRatios } from '../harness/interleave.js';
import { latencyRows, pooledPercentiles } from '../harness/latency-rows.js';
import { roundsOnPrivateRedis } from '../harness/private-redis-rounds.js';
import type { MetricRow } from '../harness/report.js';
import type { Scenario, ScenarioContext, ScenarioOutcome } from '../harness/scenario.js';
import { summarize } from '../harness/stats.js';
import { messagingTurn } from './messaging-turns.js';

/** Run shape of the messaging scenario. */
interface MessagingSettings {
  readonly rounds: number;
  readonly sequential: number;
  readonly requests: number;
  readonly concurrency: number;
  readonly entityRequests: number;
  readonly keys: number;
}

/** Default: 5 rounds; per turn 2,000 sequential requests, 20,000 with 32 in flight, 10,000 entity requests. */
const FULL: MessagingSettings = {
  rounds: 5,
  sequential: 2000,
  requests: 20_000,
  concurrency: 32,
  entityRequests: 10_000,
  keys: 1000,
};
/** `BENCH_QUICK=1`: 2 rounds, a tenth of the work. */
const QUICK: MessagingSettings = {
  rounds: 2,
  sequential: 200,
  requests: 2000,
  concurrency: 32,
  entityRequests: 1000,
  keys: 1000,
};

async function run(context: ScenarioContext): Promise<ScenarioOutcome> {
  const settings = context.quick ? QUICK : FULL;
  const samples = await roundsOnPrivateRedis(
    context,
    settings.rounds,
    (contestant, redisUrl) => messagingTurn({ contestant, redisUrl, ...settings }, context.scope),
    (show, contestant) =>
      `RTT p50 ${show('rtt_p50_us')} µs p99 ${show('rtt_p99_us')} µs, ${show('ops')} req/s` +
      (contestant === 'shoal' ? `, entities ${show('entity_ops')} req/s` : ''),
  );
  const shoal = samples.byContestant.shoal;
  const raw = samples.byContestant.raw;
  const p99Ratios = pairedRatios(samples, 'rtt_p99_us');
  const opsRatios = pairedRatios(samples, 'ops');
  const rows: MetricRow[] = [
    ...latencyRows('request/response RTT', 'rtt', shoal, raw, 3),
    {
      metric: 'RTT p99 shoal/raw, per round (×)',
      shoal: summarize(p99Ratios),
      target: { stat: 'median', op: '<=', value: 1.2, unit: '×' },
      decimals: 2,
    },
    {
      metric: `throughput, ${settings.concurrency} in flight (req/s)`,
      shoal: summarize(shoal.ops),
      raw: summarize(raw.ops),
    },
    {
      metric: 'throughput shoal/raw, per round (×)',
      shoal: summarize(opsRatios),
      target: { stat: 'median', op: '>=', value: 1, unit: '×' },
      decimals: 2,
    },
    {
      metric: `entity requests, ${settings.keys} keys on 3 processes (req/s)`,
      shoal: summarize(shoal.entity_ops),
    },
  ];
  const notes = [
    'One private redis-server; the caller in the benchmark process, the servers in bench/src/fixtures/' +
      'messaging-server.ts processes (a fresh set per turn).',
    'shoal = ShoalClient.send(pattern, payload) to a Nest app serving @MessagePattern through ShoalTransport ' +
      '(ClusterModule + LeaderModule + MessagingModule); raw = Nest’s own ClientRedis / ServerRedis ' +
      '(Transport.REDIS) with the same controller. Same JSON payload, firstValueFrom on both sides.',
    `RTT: ${settings.sequential} requests one at a time after as many warm-up requests; throughput: ` +
      `${settings.requests} requests, ${settings.concurrency} in flight.`,
    `entities: ${settings.entityRequests} requests toEntity('counter', key-i mod ${settings.keys}), ` +
      `${settings.concurrency} in flight, 256 shards over 3 server processes: each is appended to its shard's ` +
      'Redis stream, handled on the shard owner, answered, and acknowledged (durable, serial per shard).',
    `RTT pooled over all rounds: shoal ${pooledPercentiles(shoal.rtt_us, 3)}; raw ${pooledPercentiles(raw.rtt_us, 3)}.`,
    `ratios per round: RTT p99 [${p99Ratios.map((r) => r.toFixed(2)).join(' ')}], throughput ` +
      `[${opsRatios.map((r) => r.toFixed(2)).join(' ')}].`,
  ];
  return { rounds: settings.rounds, settings: { ...settings }, samples, rows, notes };
}

/** Messaging: request/response against Nest's Transport.REDIS, and entity throughput. */
export const messaging: Scenario = {
  name: 'messaging',
  budgetMs: (quick) => (quick ? 120_000 : 420_000),
  run,
};
