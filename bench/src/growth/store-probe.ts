import { readdir, readFile } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { CLK_TCK } from '../harness/proc-usage.js';

/** Counters of a store at one moment. */
export interface StoreCounters {
  /** Commands (Redis) or transactions (Postgres) processed so far. */
  readonly operations: number;
  /** Bytes in + out so far (Redis only; 0 for Postgres). */
  readonly bytes: number;
  /** CPU ticks of the server and every process it forked. */
  readonly cpuTicks: number;
  /** `performance.now()` when read. */
  readonly at: number;
}

/** Rates between two readings. */
export interface StoreRates {
  readonly operationsPerSecond: number;
  readonly bytesPerSecond: number;
  /** Percent of one core. */
  readonly cpuPercent: number;
}

async function treeCpuTicks(root: number): Promise<number> {
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      stats.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // gone meanwhile
    }
  }
  let total = 0;
  const queue = [root];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    total += stats.get(pid)?.ticks ?? 0;
    for (const [child, { ppid }] of stats) if (ppid === pid) queue.push(child);
  }
  return total;
}

/** Reads Redis's command and byte counters (`INFO stats`) and its CPU time. */
export async function redisCounters(redis: Redis, pid: number): Promise<StoreCounters> {
  const info = await redis.info('stats');
  const field = (name: string): number =>
    Number(new RegExp(`^${name}:(\\d+)\\r?$`, 'm').exec(info)?.[1] ?? 0);
  return {
    operations: field('total_commands_processed'),
    bytes: field('total_net_input_bytes') + field('total_net_output_bytes'),
    cpuTicks: await treeCpuTicks(pid),
    at: performance.now(),
  };
}

/** Reads Postgres's committed + rolled-back transactions of `database` and the CPU time of its processes. */
export async function postgresCounters(
  client: pg.Client,
  database: string,
  pid: number,
): Promise<StoreCounters> {
  const { rows } = await client.query<{ n: string }>(
    'SELECT (xact_commit + xact_rollback)::text AS n FROM pg_stat_database WHERE datname = $1',
    [database],
  );
  return {
    operations: Number(rows[0]?.n ?? 0),
    bytes: 0,
    cpuTicks: await treeCpuTicks(pid),
    at: performance.now(),
  };
}

/** Per-second rates between two readings. */
export function rates(from: StoreCounters, to: StoreCounters): StoreRates {
  const seconds = (to.at - from.at) / 1000;
  return {
    operationsPerSecond: (to.operations - from.operations) / seconds,
    bytesPerSecond: (to.bytes - from.bytes) / seconds,
    cpuPercent: ((to.cpuTicks - from.cpuTicks) / (seconds * CLK_TCK)) * 100,
  };
}
