import { RedisServer } from '@shoal/testing';
import { Redis } from 'ioredis';
import { cpuPercent, readProcUsage } from '../harness/proc-usage.js';
import { commandsProcessed } from '../harness/redis-commands.js';
import { Scope } from '../harness/scope.js';
import { sleep } from '../harness/sleep.js';
import { benchNode, randomPrefix } from './membership-nodes.js';

/** Idle-cost timing. */
export interface IdleWindow {
  /**
   * Least time since readiness before the window starts. Long enough for V8's memory reducer to have returned the
   * start-up heap (it runs 8 or 16 s after the last start-up GC of an idle process): RSS read earlier depends on
   * whether it has run yet, not on what the process needs.
   */
  readonly settleMs: number;
  /** Length of the measured window. */
  readonly windowMs: number;
}

/** Samples of one idle-cost turn: one each. */
export interface IdleSamples {
  /** VmRSS at the end of the window, MB (10^6 bytes). */
  idle_rss_mb: number[];
  /** CPU (user + system) over the window, % of one core. */
  idle_cpu_pct: number[];
  /** Commands the private Redis processed per second over the window (the measuring INFO excluded). */
  idle_redis_cmds_per_s: number[];
}

/** A process started for an idle-cost measurement, with its own private redis-server. */
export interface IdleProcess {
  readonly id: string;
  readonly pid: number;
  /** `performance.now()` when it printed its readiness line. */
  readonly readyAt: number;
  /** A connection to its private Redis, for `INFO stats`. */
  readonly stats: Redis;
  /** Kills the process and its Redis. */
  readonly stop: () => Promise<void>;
}

/**
 * Starts `script` with its own private redis-server (the scenario's private Postgres as `DATABASE_URL`, for the
 * sample app) and waits for readiness. It can settle while other work runs; {@link measureIdle} measures it.
 */
export async function startIdle(
  script: string,
  id: string,
  databaseUrl: string,
  parent: Scope,
): Promise<IdleProcess> {
  const scope = new Scope(parent);
  try {
    const redis = scope.track(await RedisServer.start(), (r) => r.kill());
    const node = await benchNode(script, id, { redisUrl: redis.url, prefix: randomPrefix(), databaseUrl });
    scope.track(node.process, (p) => p.kill());
    await node.process.start();
    const readyAt = performance.now();
    const pid = node.process.pid;
    if (pid === undefined) throw new Error(`${id} has no pid`);
    const stats = scope.track(new Redis(redis.url, { connectionName: 'bench' }), (c) => c.quit());
    await stats.ping();
    return { id, pid, readyAt, stats, stop: () => scope.close() };
  } catch (error) {
    await scope.close();
    throw error;
  }
}

/**
 * Waits until `idle` has been ready for `timing.settleMs`, then measures its RSS, CPU and Redis traffic over the
 * window. The caller makes sure nothing else of the benchmark runs meanwhile.
 */
export async function measureIdle(
  idle: IdleProcess,
  timing: IdleWindow,
  signal: AbortSignal,
): Promise<IdleSamples> {
  await sleep(Math.max(0, idle.readyAt + timing.settleMs - performance.now()), signal);
  const commandsBefore = await commandsProcessed(idle.stats);
  const before = await readProcUsage(idle.pid);
  await sleep(timing.windowMs, signal);
  const after = await readProcUsage(idle.pid);
  const commandsAfter = await commandsProcessed(idle.stats);

  const seconds = (after.at - before.at) / 1000;
  // The first INFO is counted in the second one's reply.
  const commands = commandsAfter - commandsBefore - 1;
  return {
    idle_rss_mb: [after.rssBytes / 1e6],
    idle_cpu_pct: [cpuPercent(before, after)],
    idle_redis_cmds_per_s: [commands / seconds],
  };
}
