import { RedisServer } from '@shoal/testing';
import { Redis } from 'ioredis';
import { cpuPercent, readProcUsage } from '../harness/proc-usage.js';
import { commandsProcessed } from '../harness/redis-commands.js';
import type { Scope } from '../harness/scope.js';
import { sleep } from '../harness/sleep.js';
import { benchNode, randomPrefix } from './membership-nodes.js';

/** Idle-cost timing. */
export interface IdleWindow {
  /** Time the process gets after readiness before measuring. */
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

/**
 * Starts `script` alone with its own private redis-server, lets it settle, then measures its RSS, CPU and Redis
 * traffic over the window. Nothing else of the benchmark runs meanwhile (the scenario's private Postgres idles).
 */
export function idleCostTurn(
  script: string,
  id: string,
  timing: IdleWindow,
  databaseUrl: string,
  parent: Scope,
): Promise<IdleSamples> {
  return parent.child(async (scope) => {
    const redis = scope.track(await RedisServer.start(), (r) => r.kill());
    const node = await benchNode(script, id, { redisUrl: redis.url, prefix: randomPrefix(), databaseUrl });
    scope.track(node.process, (p) => p.kill());
    await node.process.start();
    const pid = node.process.pid;
    if (pid === undefined) throw new Error(`${id} has no pid`);
    const stats = scope.track(new Redis(redis.url, { connectionName: 'bench' }), (c) => c.quit());
    await stats.ping();

    await sleep(timing.settleMs, scope.signal);
    const commandsBefore = await commandsProcessed(stats);
    const before = await readProcUsage(pid);
    await sleep(timing.windowMs, scope.signal);
    const after = await readProcUsage(pid);
    const commandsAfter = await commandsProcessed(stats);

    const seconds = (after.at - before.at) / 1000;
    // The first INFO is counted in the second one's reply.
    const commands = commandsAfter - commandsBefore - 1;
    return {
      idle_rss_mb: [after.rssBytes / 1e6],
      idle_cpu_pct: [cpuPercent(before, after)],
      idle_redis_cmds_per_s: [commands / seconds],
    };
  });
}
