import { resolve } from 'node:path';
import { eventually, freePort, NodeProcess, RedisServer } from '@shoal/testing';
import type { ConsumerSamples, ConsumerStats, PublishRun } from '../fixtures/event-load.js';
import { requestJson } from '../harness/http-json.js';
import { CLK_TCK, readProcUsage } from '../harness/proc-usage.js';
import { pairedRatios, runInterleaved, type Contestant, type MetricSamples } from '../harness/interleave.js';
import type { MetricRow } from '../harness/report.js';
import type { Scenario, ScenarioContext, ScenarioOutcome } from '../harness/scenario.js';
import type { Scope } from '../harness/scope.js';
import { median, percentile, summarize } from '../harness/stats.js';
import { randomPrefix } from './membership-nodes.js';

const SERVER_SCRIPT: Readonly<Record<Contestant, string>> = {
  shoal: resolve(import.meta.dirname, '../fixtures/realtime-shoal-server.js'),
  raw: resolve(import.meta.dirname, '../fixtures/realtime-raw-server.js'),
};
const CLIENTS_SCRIPT = resolve(import.meta.dirname, '../fixtures/realtime-clients.js');
const SERVERS = 3;
const RUN_TIMEOUT_MS = 60_000;

/** Shape of the realtime scenario. */
interface RealtimeSettings {
  readonly rounds: number;
  /** Sockets, spread over the three servers. */
  readonly clients: number;
  /** Messages per second of the latency run (and the warm-up), emitted on server 1. */
  readonly rate: number;
  readonly latencyMessages: number;
  readonly warmupMessages: number;
  /** Messages of the throughput run, emitted as fast as possible. */
  readonly burstMessages: number;
}

/** Default: 5 rounds; 30 sockets; 1,000 messages at 100/s after 100 unmeasured; a burst of 2,000 messages. */
const FULL: RealtimeSettings = {
  rounds: 5,
  clients: 30,
  rate: 100,
  latencyMessages: 1000,
  warmupMessages: 100,
  burstMessages: 2000,
};
/** `BENCH_QUICK=1`: 2 rounds, 300 messages, a 500-message burst. */
const QUICK: RealtimeSettings = {
  rounds: 2,
  clients: 30,
  rate: 100,
  latencyMessages: 300,
  warmupMessages: 50,
  burstMessages: 500,
};

interface Started {
  readonly port: number;
  readonly control: number;
  readonly pid: number;
}

async function startProcess(
  scope: Scope,
  name: string,
  script: string,
  env: Record<string, string>,
): Promise<Started> {
  const port = await freePort();
  const control = await freePort();
  const process = new NodeProcess({
    name,
    script,
    env: { ...env, PORT: String(port), CONTROL_PORT: String(control), SHOAL_NODE_ID: name, NO_COLOR: '1' },
  });
  scope.track(process, (p) => p.kill());
  await process.start();
  return { port, control, pid: process.pid! };
}

const url = (port: number, path: string) => `http://127.0.0.1:${port}${path}`;

/** Waits until the clients received at least `count` messages since their last reset; returns their stats. */
function delivered(clientsPort: number, count: number): Promise<ConsumerStats> {
  return eventually(
    async () => {
      const stats = await requestJson<ConsumerStats>('GET', url(clientsPort, '/stats'), 5000);
      return stats.count >= count ? stats : undefined;
    },
    { timeoutMs: RUN_TIMEOUT_MS, intervalMs: 20, what: `${count} deliveries` },
  );
}

/**
 * One contestant's turn on its own private redis-server: three server processes, one client process with the
 * sockets spread over them; messages emitted on server 1 reach every socket. A warm-up, a paced latency run, then a
 * throughput run.
 */
function realtimeTurn(contestant: Contestant, round: number, settings: RealtimeSettings, parent: Scope) {
  return parent.child(async (scope): Promise<MetricSamples> => {
    const redis = scope.track(await RedisServer.start(), (r) => r.kill());
    const env = { REDIS_URL: redis.url, SHOAL_PREFIX: randomPrefix() };
    const servers = await Promise.all(
      Array.from({ length: SERVERS }, (_, i) =>
        startProcess(scope, `${contestant}-r${round}-s${i + 1}`, SERVER_SCRIPT[contestant], env),
      ),
    );
    const clients = await startProcess(scope, `${contestant}-r${round}-clients`, CLIENTS_SCRIPT, {});
    const ports = servers.map((s) => s.port).join(',');
    await requestJson(
      'POST',
      url(clients.port, `/connect?ports=${ports}&count=${settings.clients}`),
      RUN_TIMEOUT_MS,
    );
    const emit = (count: number, rate: number) =>
      requestJson<PublishRun>(
        'POST',
        url(servers[0].control, `/publish?count=${count}&rate=${rate}&window=1`),
        RUN_TIMEOUT_MS,
      );
    const reset = () => requestJson('POST', url(clients.port, '/reset'), 5000);

    await emit(settings.warmupMessages, settings.rate);
    await delivered(clients.port, settings.warmupMessages * settings.clients);
    await reset();

    await emit(settings.latencyMessages, settings.rate);
    await delivered(clients.port, settings.latencyMessages * settings.clients);
    const { latencyMs } = await requestJson<ConsumerSamples>('GET', url(clients.port, '/samples'), 10_000);
    await reset();

    const deliveries = settings.burstMessages * settings.clients;
    const cpuTicks = async () =>
      (await Promise.all(servers.map((s) => readProcUsage(s.pid)))).reduce((sum, u) => sum + u.cpuTicks, 0);
    const ticksBefore = await cpuTicks();
    const burst = await emit(settings.burstMessages, 0);
    const done = await delivered(clients.port, deliveries);
    const serverCpuMs = ((await cpuTicks()) - ticksBefore) * (1000 / CLK_TCK);
    return {
      latency_ms: latencyMs,
      latency_p50_ms: [median(latencyMs)],
      latency_p99_ms: [percentile(latencyMs, 99)],
      deliveries_per_s: [deliveries / ((done.lastAt - burst.startedAt) / 1000)],
      server_cpu_ms_per_1k: [serverCpuMs / (deliveries / 1000)],
    };
  });
}

async function run({ quick, scope, log }: ScenarioContext): Promise<ScenarioOutcome> {
  const settings = quick ? QUICK : FULL;
  const samples = await runInterleaved({
    rounds: settings.rounds,
    smoke: quick,
    signal: scope.signal,
    turn: {
      shoal: (round) => realtimeTurn('shoal', round, settings, scope),
      raw: (round) => realtimeTurn('raw', round, settings, scope),
    },
    onTurn: (t) => {
      const show = (metric: string, decimals = 0): string =>
        (t.samples[metric] ?? []).map((x) => x.toFixed(decimals)).join(' ');
      log(
        `round ${t.round}/${settings.rounds} ${t.contestant.padEnd(5)} (${(t.durationMs / 1000).toFixed(1)} s): ` +
          `emit → socket p50 ${show('latency_p50_ms', 2)} p99 ${show('latency_p99_ms', 2)} ms, ` +
          `${show('deliveries_per_s')} deliveries/s, servers ${show('server_cpu_ms_per_1k', 1)} ms CPU per 1,000`,
      );
    },
  });
  const shoal = samples.byContestant.shoal;
  const raw = samples.byContestant.raw;
  const p99Ratios = pairedRatios(samples, 'latency_p99_ms');
  const tputRatios = pairedRatios(samples, 'deliveries_per_s');
  const rows: MetricRow[] = [
    {
      metric: 'emit → socket p50 per round (ms)',
      shoal: summarize(shoal.latency_p50_ms),
      raw: summarize(raw.latency_p50_ms),
      decimals: 2,
    },
    {
      metric: 'emit → socket p99 per round (ms)',
      shoal: summarize(shoal.latency_p99_ms),
      raw: summarize(raw.latency_p99_ms),
      decimals: 2,
    },
    {
      metric: 'emit → socket p99 shoal/raw, per round (×)',
      shoal: summarize(p99Ratios),
      target: { stat: 'median', op: '<=', value: 1.2, unit: '×' },
      decimals: 2,
    },
    {
      metric: `fan-out throughput, ${settings.burstMessages} messages × ${settings.clients} sockets (deliveries/s)`,
      shoal: summarize(shoal.deliveries_per_s),
      raw: summarize(raw.deliveries_per_s),
    },
    {
      metric: 'fan-out throughput shoal/raw, per round (×)',
      shoal: summarize(tputRatios),
      target: { stat: 'median', op: '>=', value: 0.9, unit: '×' },
      decimals: 2,
    },
    {
      metric: 'info: CPU of the 3 servers per 1,000 deliveries in the throughput run (ms)',
      shoal: summarize(shoal.server_cpu_ms_per_1k),
      raw: summarize(raw.server_cpu_ms_per_1k),
      decimals: 1,
    },
  ];
  const pooled = (values: number[]): string =>
    `p50 ${percentile(values, 50).toFixed(2)} ms, p99 ${percentile(values, 99).toFixed(2)} ms`;
  const ratios = (values: number[]): string => values.map((r) => r.toFixed(2)).join(' ');
  return {
    rounds: settings.rounds,
    settings: { ...settings, servers: SERVERS },
    samples,
    rows,
    notes: [
      `${settings.rounds} interleaved rounds; each turn on its own private redis-server: ${SERVERS} server ` +
        `processes, one client process with ${settings.clients} socket.io-client sockets (WebSocket) spread ` +
        'round-robin over them, all in room `bench`; messages emitted on server 1.',
      'shoal = bench/src/fixtures/realtime-shoal-server.ts (ClusterModule on Redis + RealtimeModule, classic Redis ' +
        "adapter, a @WebSocketGateway, RealtimeService.to('bench').emit); raw = " +
        'bench/src/fixtures/realtime-raw-server.ts (http + socket.io Server + @socket.io/redis-adapter on ioredis, ' +
        "io.to('bench').emit). Same payload { seq, sentAt }.",
      `latency: ${settings.latencyMessages} messages per turn at ${settings.rate}/s after ${settings.warmupMessages} ` +
        "unmeasured, emit call → client handler, for every socket; the machine's monotonic clock in both processes. " +
        `Pooled over all rounds: shoal ${pooled(shoal.latency_ms)}; raw ${pooled(raw.latency_ms)}.`,
      `throughput: ${settings.burstMessages} messages emitted back to back; deliveries / (last delivery − first emit). ` +
        'Server CPU: user + system time of the three server processes over the run (/proc), per 1,000 deliveries — ' +
        'what each side costs, whatever else the machine runs.',
      `ratios per round: p99 [${ratios(p99Ratios)}], throughput [${ratios(tputRatios)}].`,
    ],
  };
}

/** Realtime: cross-node Socket.IO fan-out through Shoal against the raw Redis adapter setup. */
export const realtime: Scenario = {
  name: 'realtime',
  budgetMs: (quick) => (quick ? 120_000 : 420_000),
  run,
};
