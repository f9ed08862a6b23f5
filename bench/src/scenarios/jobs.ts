import { loadavg } from 'node:os';
import { PostgresServer } from '@shoal/testing';
import {
  pairedRatios,
  runInterleaved,
  type InterleavedSamples,
  type MetricSamples,
} from '../harness/interleave.js';
import type { MetricRow } from '../harness/report.js';
import type { Scenario, ScenarioContext, ScenarioOutcome } from '../harness/scenario.js';
import { summarize } from '../harness/stats.js';
import { jobsThroughputTurn, type ThroughputSettings } from './jobs-throughput.js';
import { webhookTurn, type WebhookSettings } from './jobs-webhooks.js';

/** Run shape of the jobs scenario. */
interface JobsSettings {
  readonly rounds: number;
  readonly throughput: ThroughputSettings;
  readonly webhooks: WebhookSettings;
}

/**
 * Default: 5 rounds; per turn a 5,000-job warm-up and 3 trials of 20,000 no-op jobs at concurrency 50 on one worker
 * process, then 1,000 warm-up + 6,000 measured webhook messages at 1,000 deliveries in flight against a sink
 * answering after 200 ms.
 */
const FULL: JobsSettings = {
  rounds: 5,
  throughput: { jobs: 20_000, trials: 3, warmupJobs: 5000, concurrency: 50, settleMs: 500 },
  webhooks: { messages: 6000, warmup: 1000, concurrency: 1000, parallel: 100, sinkDelayMs: 200 },
};
/** `BENCH_QUICK=1`: 2 rounds, 1,000 + 2 × 5,000 jobs, 500 + 2,000 messages. */
const QUICK: JobsSettings = {
  rounds: 2,
  throughput: { jobs: 5000, trials: 2, warmupJobs: 1000, concurrency: 50, settleMs: 200 },
  webhooks: { messages: 2000, warmup: 500, concurrency: 1000, parallel: 100, sinkDelayMs: 200 },
};

function loads(): string {
  return loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ');
}

/** The mean per-delivery Postgres queries of Shoal, by kind, as one line. */
function queryKinds(samples: InterleavedSamples): string {
  const shoal = samples.byContestant.shoal;
  return Object.entries(shoal)
    .filter(([metric]) => metric.startsWith('pg: '))
    .map(([metric, values]) => {
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      return `${metric.slice(4)} ${mean.toFixed(3)}`;
    })
    .join('; ');
}

async function run({ quick, scope, log }: ScenarioContext): Promise<ScenarioOutcome> {
  const settings = quick ? QUICK : FULL;
  const loadBefore = loads();
  log(`load average ${loadBefore}; starting a private Postgres for the webhook store`);
  const postgres = scope.track(await PostgresServer.start(), (p) => p.stop());
  const postgresPid = postgres.pid;
  if (postgresPid === undefined) throw new Error('the private Postgres has no pid');
  const store = { url: postgres.url, pid: postgresPid };

  const turn =
    (contestant: 'shoal' | 'raw') =>
    async (round: number): Promise<MetricSamples> => ({
      ...(await jobsThroughputTurn(contestant, round, settings.throughput, scope)),
      ...(await webhookTurn(contestant, round, settings.webhooks, store, scope)),
    });
  const samples = await runInterleaved({
    rounds: settings.rounds,
    smoke: quick,
    signal: scope.signal,
    turn: { shoal: turn('shoal'), raw: turn('raw') },
    onTurn: (t) => {
      const show = (metric: string, decimals = 0): string =>
        (t.samples[metric] ?? []).map((x) => x.toFixed(decimals)).join(' ');
      log(
        `round ${t.round}/${settings.rounds} ${t.contestant.padEnd(5)} (${(t.durationMs / 1000).toFixed(1)} s): ` +
          `${show('jobs_per_s')} jobs/s (${show('jobs_worker_cpu_us')} µs CPU, ${show('jobs_redis_cmds', 1)} cmds /job); ` +
          `webhooks ${show('webhook_per_s')}/s, sends ${show('webhook_send_per_s')}/s, ` +
          `${show('webhook_node_cpu_us')} µs node CPU, ${show('webhook_redis_cmds', 1)} cmds` +
          (t.contestant === 'shoal' ? `, ${show('webhook_pg_queries', 3)} pg queries` : '') +
          ` /delivery; load ${loads()}`,
      );
    },
  });
  const loadAfter = loads();

  const shoal = samples.byContestant.shoal;
  const raw = samples.byContestant.raw;
  const { throughput: tp, webhooks: wh } = settings;
  const rows: MetricRow[] = [
    {
      metric: `no-op jobs/s (1 worker, concurrency ${tp.concurrency})`,
      shoal: summarize(shoal.jobs_per_s),
      raw: summarize(raw.jobs_per_s),
    },
    {
      metric: 'no-op jobs/s, shoal/raw per round',
      shoal: summarize(pairedRatios(samples, 'jobs_per_s')),
      target: { stat: 'median', op: '>=', value: 0.9, unit: '×' },
      decimals: 2,
    },
    {
      metric: 'info: worker CPU per job (µs)',
      shoal: summarize(shoal.jobs_worker_cpu_us),
      raw: summarize(raw.jobs_worker_cpu_us),
    },
    {
      metric: 'info: Redis server CPU per job (µs)',
      shoal: summarize(shoal.jobs_redis_cpu_us),
      raw: summarize(raw.jobs_redis_cpu_us),
    },
    {
      metric: 'info: Redis commands per job',
      shoal: summarize(shoal.jobs_redis_cmds),
      raw: summarize(raw.jobs_redis_cmds),
      decimals: 1,
    },
    {
      metric: `webhook deliveries/s (1 node, ${wh.concurrency} in flight, sink ${wh.sinkDelayMs} ms)`,
      shoal: summarize(shoal.webhook_per_s),
      raw: summarize(raw.webhook_per_s),
      target: { stat: 'median', op: '>=', value: 3000, unit: '/s' },
    },
    {
      metric: 'webhook deliveries/s, shoal/raw per round',
      shoal: summarize(pairedRatios(samples, 'webhook_per_s')),
      target: { stat: 'median', op: '>=', value: 0.8, unit: '×' },
      decimals: 2,
    },
    {
      metric: `info: send calls/s (${wh.parallel} in flight)`,
      shoal: summarize(shoal.webhook_send_per_s),
      raw: summarize(raw.webhook_send_per_s),
    },
    {
      metric: 'info: node CPU per delivery (µs)',
      shoal: summarize(shoal.webhook_node_cpu_us),
      raw: summarize(raw.webhook_node_cpu_us),
    },
    {
      metric: 'info: sink CPU per delivery (µs)',
      shoal: summarize(shoal.webhook_sink_cpu_us),
      raw: summarize(raw.webhook_sink_cpu_us),
    },
    {
      metric: 'info: Redis server CPU per delivery (µs)',
      shoal: summarize(shoal.webhook_redis_cpu_us),
      raw: summarize(raw.webhook_redis_cpu_us),
    },
    {
      metric: 'info: Postgres CPU per delivery (µs; postmaster + backends)',
      shoal: summarize(shoal.webhook_postgres_cpu_us),
      raw: summarize(raw.webhook_postgres_cpu_us),
    },
    {
      metric: 'info: Redis commands per delivery',
      shoal: summarize(shoal.webhook_redis_cmds),
      raw: summarize(raw.webhook_redis_cmds),
      decimals: 1,
    },
    {
      metric: 'info: Postgres queries per delivery (shoal; completion polls excluded)',
      shoal: summarize(shoal.webhook_pg_queries),
      decimals: 3,
    },
    {
      metric: 'info: sink connections opened per turn',
      shoal: summarize(shoal.webhook_sink_connections),
      raw: summarize(raw.webhook_sink_connections),
    },
  ];
  return {
    rounds: settings.rounds,
    settings: {
      rounds: settings.rounds,
      jobs: tp.jobs,
      jobConcurrency: tp.concurrency,
      messages: wh.messages,
      warmupMessages: wh.warmup,
      webhookConcurrency: wh.concurrency,
      sendParallel: wh.parallel,
      sinkDelayMs: wh.sinkDelayMs,
      loadavgBefore: loadBefore,
      loadavgAfter: loadAfter,
    },
    samples,
    rows,
    notes: [
      `${settings.rounds} interleaved rounds; every turn has its own private redis-server (Shoal's webhook store: ` +
        'a fresh schema on one private Postgres, fsync off). Load average (1/5/15 min) before ' +
        `${loadBefore}, after ${loadAfter}, on a shared 2-core machine.`,
      `jobs: one worker process per turn, started on the empty paused queue (${tp.settleMs} ms settle); a ` +
        `${tp.warmupJobs}-job warm-up, then ${tp.trials} trials of ${tp.jobs} no-op jobs: each pre-filled into the ` +
        "paused queue with Queue.addBulk, both sides with Shoal's default job options (5 attempts, exponential " +
        'backoff, keep 1,000 completed / 5,000 failed), then the queue is resumed and polled every 10 ms until ' +
        'nothing is waiting or active (jobs/s = jobs / that time; the per-round ratio uses the mean of the trials). ' +
        'shoal = Nest app with ClusterModule (Redis) + JobsModule.forRoot() + registerQueue({ concurrency: ' +
        `${tp.concurrency} }) + @Processor/@Process('noop') (bench/src/fixtures/jobs-worker-app.ts); raw = a bare ` +
        'BullMQ Worker, same concurrency, BullMQ defaults otherwise (bench/src/fixtures/jobs-raw-worker.ts). ' +
        'Shoal was pre-filled the raw way (addBulk on its queue and prefix), not with JobsService.enqueue: the ' +
        'comparison is worker throughput.',
      `webhooks: one node process and a node:http sink process (200 after ${wh.sinkDelayMs} ms, keep-alive); ` +
        `${wh.warmup} warm-up messages, then ${wh.messages} measured, each one send call (${wh.parallel} in flight); ` +
        'deliveries/s = messages / (first send → the last success seen, polled every 10 ms). shoal = ' +
        `WebhookService (one endpoint, allowList ['127.0.0.1'], webhooks.concurrency ${wh.concurrency}, other ` +
        "options default), success = its 'success' rows in webhook_attempts, counted by the node itself on its " +
        'own pg client ' +
        '(~100 polls/s: about 1 % of its CPU, and part of the Postgres CPU row) (bench/src/fixtures/' +
        'webhook-shoal-app.ts); raw = BullMQ Queue.add + Worker (same concurrency) + undici Agent keep-alive + ' +
        'HMAC-SHA256 of id.timestamp.body with node:crypto, success = completed job, nothing recorded ' +
        '(bench/src/fixtures/webhook-raw-app.ts).',
      `Shoal's Postgres queries per delivery by kind (mean): ${queryKinds(samples) || 'none'}.`,
    ],
  };
}

/** Jobs: no-op worker throughput against bare BullMQ, and webhook deliveries/s against BullMQ + undici by hand. */
export const jobs: Scenario = {
  name: 'jobs',
  budgetMs: (quick) => (quick ? 90_000 : 360_000),
  run,
};
