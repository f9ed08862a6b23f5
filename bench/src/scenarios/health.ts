import { NodeProcess, RedisServer, freePort } from '@shoal/testing';
import autocannon from 'autocannon';
import { resolve } from 'node:path';
import { pairedRatios, runInterleaved, type MetricSamples } from '../harness/interleave.js';
import type { MetricRow } from '../harness/report.js';
import type { Scenario, ScenarioContext, ScenarioOutcome } from '../harness/scenario.js';
import { Scope } from '../harness/scope.js';
import { summarize } from '../harness/stats.js';
import { BARE_APP, randomPrefix } from './membership-nodes.js';

/** The bare app plus ClusterModule (request context) and HealthModule. */
const HEALTH_APP = resolve(import.meta.dirname, '../fixtures/health-app.js');

/** Run shape of the health scenario. */
interface HealthSettings {
  readonly rounds: number;
  /** Seconds of load per measurement. */
  readonly seconds: number;
  /** Concurrent keep-alive connections of the load generator. */
  readonly connections: number;
  /** Seconds of unmeasured load first, so both apps are measured warm (JIT, pools). */
  readonly warmupSeconds: number;
}

/** Default: 5 rounds, 10 s of load per side per round, 10 connections. */
const FULL: HealthSettings = { rounds: 5, seconds: 10, connections: 10, warmupSeconds: 3 };
/** `BENCH_QUICK=1`: 2 rounds of 3 s. */
const QUICK: HealthSettings = { rounds: 2, seconds: 3, connections: 10, warmupSeconds: 2 };

/** Requests/s, latency and non-2xx answers of `url` under autocannon; fails on connection errors. */
async function load(
  url: string,
  settings: HealthSettings,
  seconds = settings.seconds,
): Promise<{ rps: number; p99: number; non2xx: number }> {
  const result = await autocannon({ url, connections: settings.connections, duration: seconds });
  if (result.errors > 0) throw new Error(`${url}: ${result.errors} connection errors under load`);
  return { rps: result.requests.average, p99: result.latency.p99, non2xx: result.non2xx };
}

/** Starts `script` on a free port and waits until it is ready; the process is stopped when `scope` closes. */
async function startApp(script: string, redisUrl: string, scope: Scope): Promise<string> {
  const port = await freePort();
  const node = new NodeProcess({
    name: `health-${port}`,
    script,
    env: { PORT: String(port), REDIS_URL: redisUrl, SHOAL_PREFIX: randomPrefix(), NO_COLOR: '1' },
  });
  scope.track(node, (n) => n.stop().then(() => undefined));
  await node.start();
  return `http://127.0.0.1:${port}`;
}

async function run({ quick, scope, log }: ScenarioContext): Promise<ScenarioOutcome> {
  const settings = quick ? QUICK : FULL;
  const redis = scope.track(await RedisServer.start(), (r) => r.kill());
  const turn = async (script: string, probe: boolean): Promise<MetricSamples> => {
    const turnScope = new Scope(scope);
    try {
      const url = await startApp(script, redis.url, turnScope);
      await load(`${url}/`, settings, settings.warmupSeconds);
      const trivial = await load(`${url}/`, settings);
      if (trivial.non2xx > 0) throw new Error(`${url}/: ${trivial.non2xx} non-2xx answers`);
      if (!probe) return { trivial_rps: [trivial.rps] };
      const ready = await load(`${url}/health/ready`, settings);
      return {
        trivial_rps: [trivial.rps],
        ready_rps: [ready.rps],
        ready_p99_ms: [ready.p99],
        ready_503: [ready.non2xx],
      };
    } finally {
      await turnScope.close();
    }
  };
  const samples = await runInterleaved({
    rounds: settings.rounds,
    smoke: quick,
    signal: scope.signal,
    turn: { shoal: () => turn(HEALTH_APP, true), raw: () => turn(BARE_APP, false) },
    onTurn: (t) => log(`round ${t.round} ${t.contestant}: ${JSON.stringify(t.samples)}`),
  });
  const shoal = samples.byContestant.shoal;
  const rows: MetricRow[] = [
    {
      metric: 'trivial endpoint (req/s)',
      shoal: summarize(shoal.trivial_rps),
      raw: summarize(samples.byContestant.raw.trivial_rps),
    },
    {
      metric: 'trivial endpoint, shoal / raw per round',
      shoal: summarize(pairedRatios(samples, 'trivial_rps')),
      target: { stat: 'median', op: '>=', value: 0.95, unit: '' },
      decimals: 3,
    },
    { metric: 'GET /health/ready (req/s)', shoal: summarize(shoal.ready_rps) },
    { metric: 'GET /health/ready p99 (ms)', shoal: summarize(shoal.ready_p99_ms) },
    // A saturated replica whose Redis ping or heartbeat passes its timeout answers 503: that is the probe working.
    { metric: 'GET /health/ready 503s under saturation', shoal: summarize(shoal.ready_503) },
  ];
  return {
    rounds: settings.rounds,
    settings: { ...settings },
    samples,
    rows,
    notes: [
      'shoal: a trivial GET on a Nest app with ClusterModule (every request in a RequestContext) and HealthModule ' +
        '(requests counted for the graceful stop); raw: the same app without Shoal. autocannon, keep-alive ' +
        `connections: ${settings.connections}, ${settings.seconds} s per measurement after ${settings.warmupSeconds} s of warm-up, turns interleaved.`,
      'GET /health/ready pings Redis through the shared connection on every call (readiness: redis, membership).',
    ],
  };
}

/** The cost of HealthModule and the request context on a trivial endpoint, and the readiness probe's own cost. */
export const health: Scenario = {
  name: 'health',
  budgetMs: (quick) => (quick ? 90_000 : 5 * 60_000),
  run,
};
