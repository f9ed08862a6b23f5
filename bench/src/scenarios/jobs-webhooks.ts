import { readdir, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { freePort, NodeProcess, RedisServer } from '@shoal/testing';
import { Redis } from 'ioredis';
import type { WebhookRun } from '../fixtures/webhook-control.js';
import type { SinkStats } from '../fixtures/webhook-sink.js';
import { getJson, requestJson } from '../harness/http-json.js';
import type { Contestant } from '../harness/interleave.js';
import { CLK_TCK, readProcUsage, type ProcUsage } from '../harness/proc-usage.js';
import { commandsProcessed } from '../harness/redis-commands.js';
import type { Scope } from '../harness/scope.js';
import { randomPrefix } from './membership-nodes.js';

/** The node process each contestant runs. */
export const WEBHOOK_SCRIPT: Readonly<Record<Contestant, string>> = {
  shoal: resolve(import.meta.dirname, '../fixtures/webhook-shoal-app.js'),
  raw: resolve(import.meta.dirname, '../fixtures/webhook-raw-app.js'),
};
/** The receiver. */
export const SINK_SCRIPT = resolve(import.meta.dirname, '../fixtures/webhook-sink.js');

/** Shape of one webhook turn. */
export interface WebhookSettings {
  /** Messages of the measured run (one endpoint: one delivery each). */
  readonly messages: number;
  /** Messages of the unmeasured warm-up run first (opens the keep-alive connections, warms the JIT). */
  readonly warmup: number;
  /** Deliveries in flight per node (`webhooks.concurrency` / the raw worker's concurrency). */
  readonly concurrency: number;
  /** `send` calls in flight. */
  readonly parallel: number;
  /** The sink's answer delay. */
  readonly sinkDelayMs: number;
}

/** Samples of one webhook turn: one each (the `pg:` ones per query kind, Shoal only). */
export type WebhookSamples = Record<string, number[]>;

/** The longest one `POST /run` may take. */
const RUN_TIMEOUT_MS = 90_000;

function cpuMs(from: ProcUsage, to: ProcUsage): number {
  return ((to.cpuTicks - from.cpuTicks) * 1000) / CLK_TCK;
}

/** `[ppid, utime + stime]` of process `pid` from `/proc/<pid>/stat`, or `undefined` if it is gone. */
async function statOf(pid: number): Promise<[number, number] | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return [Number(fields[4 - 3]), Number(fields[14 - 3]) + Number(fields[15 - 3])];
  } catch {
    return undefined;
  }
}

/**
 * CPU ticks so far of process `pid` and its direct children (a Postgres postmaster and its backends; children that
 * already exited are not counted).
 */
export async function treeCpuTicks(pid: number): Promise<number> {
  const pids = (await readdir('/proc')).filter((d) => /^\d+$/.test(d)).map(Number);
  const stats = await Promise.all(pids.map(async (p) => [p, await statOf(p)] as const));
  return stats.reduce((sum, [p, stat]) => (stat && (p === pid || stat[0] === pid) ? sum + stat[1] : sum), 0);
}

/** CPU µs per item between two tick readings. */
function usPer(ticksBefore: number, ticksAfter: number, items: number): number {
  return ((ticksAfter - ticksBefore) * 1e6) / CLK_TCK / items;
}

/**
 * One contestant's webhook turn, on its own private redis-server (and, for Shoal, a fresh schema on the scenario's
 * private Postgres): a sink process and one node process; a warm-up run, then the measured run of `messages`
 * sends. Deliveries/s = messages / (first send → the last successful delivery seen, polled every 10 ms).
 */
export function webhookTurn(
  contestant: Contestant,
  round: number,
  settings: WebhookSettings,
  postgres: { readonly url: string; readonly pid: number },
  parent: Scope,
): Promise<WebhookSamples> {
  return parent.child(async (scope) => {
    const redis = scope.track(await RedisServer.start(), (r) => r.kill());
    const probe = scope.track(new Redis(redis.url), (c) => c.quit());
    const [sinkPort, nodePort] = [await freePort(), await freePort()];
    const sinkUrl = `http://127.0.0.1:${sinkPort}/hooks`;
    const sink = new NodeProcess({
      name: `sink-${contestant}-r${round}`,
      script: SINK_SCRIPT,
      env: { PORT: String(sinkPort), SINK_DELAY_MS: String(settings.sinkDelayMs) },
    });
    scope.track(sink, (p) => p.kill());
    const node = new NodeProcess({
      name: `webhooks-${contestant}-r${round}`,
      script: WEBHOOK_SCRIPT[contestant],
      env: {
        PORT: String(nodePort),
        REDIS_URL: redis.url,
        DATABASE_URL: postgres.url,
        SHOAL_PREFIX: randomPrefix(),
        SHOAL_NODE_ID: `webhooks-${contestant}-r${round}`,
        SINK_URL: sinkUrl,
        WEBHOOK_CONCURRENCY: String(settings.concurrency),
        NO_COLOR: '1',
      },
    });
    scope.track(node, (p) => p.kill());
    await sink.start();
    await node.start();

    const run = (m: number): Promise<WebhookRun> =>
      requestJson<WebhookRun>(
        'POST',
        `http://127.0.0.1:${nodePort}/run?m=${m}&parallel=${settings.parallel}&timeoutMs=${RUN_TIMEOUT_MS}`,
        RUN_TIMEOUT_MS + 5000,
      );
    await run(settings.warmup);
    scope.check();

    const pids = [node.pid, sink.pid];
    const redisPid = redis.pid;
    if (pids.some((p) => p === undefined) || redisPid === undefined) {
      throw new Error('a webhook process has no pid');
    }
    const [nodeBefore, sinkBefore] = await Promise.all(pids.map((p) => readProcUsage(p ?? 0)));
    const [redisBefore, postgresBefore] = await Promise.all([
      treeCpuTicks(redisPid),
      treeCpuTicks(postgres.pid),
    ]);
    const commandsBefore = await commandsProcessed(probe);
    const result = await run(settings.messages);
    const [nodeAfter, sinkAfter] = await Promise.all(pids.map((p) => readProcUsage(p ?? 0)));
    const [redisAfter, postgresAfter] = await Promise.all([
      treeCpuTicks(redisPid),
      treeCpuTicks(postgres.pid),
    ]);
    const commands = (await commandsProcessed(probe)) - commandsBefore - 1;
    const stats = await getJson<SinkStats>(`http://127.0.0.1:${sinkPort}/stats`);
    if (!stats) throw new Error('the sink did not answer /stats');
    if (stats.unsigned > 0) throw new Error(`${contestant}: ${stats.unsigned} deliveries without signature`);
    if (stats.received < settings.warmup + settings.messages) {
      throw new Error(
        `${contestant}: the sink received ${stats.received} deliveries, fewer than were counted`,
      );
    }

    const m = settings.messages;
    const samples: WebhookSamples = {
      webhook_per_s: [(m * 1000) / (result.doneAt - result.startedAt)],
      webhook_send_per_s: [(m * 1000) / (result.sentAt - result.startedAt)],
      webhook_node_cpu_us: [(cpuMs(nodeBefore, nodeAfter) * 1000) / m],
      webhook_sink_cpu_us: [(cpuMs(sinkBefore, sinkAfter) * 1000) / m],
      webhook_redis_cpu_us: [usPer(redisBefore, redisAfter, m)],
      webhook_postgres_cpu_us: [usPer(postgresBefore, postgresAfter, m)],
      webhook_redis_cmds: [commands / m],
      webhook_sink_connections: [stats.connections],
    };
    if (contestant === 'shoal') {
      const total = Object.values(result.queries).reduce((a, b) => a + b, 0);
      samples.webhook_pg_queries = [total / m];
      for (const [kind, n] of Object.entries(result.queries)) if (n > 0) samples[`pg: ${kind}`] = [n / m];
    }
    return samples;
  });
}
