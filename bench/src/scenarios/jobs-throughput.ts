import { resolve } from 'node:path';
import { NodeProcess, RedisServer } from '@shoal/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { NOOP_JOB, NOOP_QUEUE, SHOAL_DEFAULT_JOB_OPTIONS, shoalBullPrefix } from '../fixtures/jobs-bench.js';
import type { Contestant } from '../harness/interleave.js';
import { CLK_TCK, readProcUsage } from '../harness/proc-usage.js';
import { commandsProcessed } from '../harness/redis-commands.js';
import type { Scope } from '../harness/scope.js';
import { sleep } from '../harness/sleep.js';
import { randomPrefix } from './membership-nodes.js';

/** The worker process each contestant runs. */
export const JOBS_WORKER_SCRIPT: Readonly<Record<Contestant, string>> = {
  shoal: resolve(import.meta.dirname, '../fixtures/jobs-worker-app.js'),
  raw: resolve(import.meta.dirname, '../fixtures/jobs-raw-worker.js'),
};

/** Shape of one throughput turn. */
export interface ThroughputSettings {
  /** No-op jobs of each measured trial. */
  readonly jobs: number;
  /** Measured trials per turn, one after the other on the same worker process. */
  readonly trials: number;
  /** No-op jobs of the unmeasured warm-up trial first. */
  readonly warmupJobs: number;
  /** The worker's concurrency. */
  readonly concurrency: number;
  /** Time the worker process gets after readiness before the warm-up (start-up work settles). */
  readonly settleMs: number;
}

/** Samples of one throughput turn: one per measured trial. */
export interface ThroughputSamples {
  /** Jobs completed per second: jobs / (queue resumed → none left waiting or active). */
  jobs_per_s: number[];
  /** CPU (user + system) of the worker process per job, µs. */
  jobs_worker_cpu_us: number[];
  /** CPU of the private redis-server per job, µs. */
  jobs_redis_cpu_us: number[];
  /** Commands the private Redis processed per job (the orchestrator's polls excluded). */
  jobs_redis_cmds: number[];
}

/** Jobs per `addBulk` call while pre-filling. */
const BULK = 1000;
/** Interval of the "all done?" poll. */
const POLL_MS = 10;
/** Commands per poll (one pipeline of LLEN / ZCARD). */
const COMMANDS_PER_POLL = 5;
/** The longest one trial may take. */
const TRIAL_TIMEOUT_MS = 120_000;

/**
 * One contestant's throughput turn, on its own private redis-server. The worker process is started on the empty,
 * paused queue; then for the warm-up and each trial: `jobs` no-op jobs are pre-filled into the paused queue with
 * `Queue.addBulk` (with Shoal's default job options, for both contestants), the queue is resumed, and polled every
 * 10 ms until no job is waiting, prioritized, delayed or active; then paused again.
 */
export function jobsThroughputTurn(
  contestant: Contestant,
  round: number,
  settings: ThroughputSettings,
  parent: Scope,
): Promise<ThroughputSamples> {
  return parent.child(async (scope) => {
    const redis = scope.track(await RedisServer.start(), (r) => r.kill());
    const prefix = randomPrefix();
    const bullPrefix = contestant === 'shoal' ? shoalBullPrefix(prefix) : 'bull';
    const connection = scope.track(new Redis(redis.url, { maxRetriesPerRequest: null }), (c) => c.quit());
    const queue = scope.track(new Queue(NOOP_QUEUE, { connection, prefix: bullPrefix }), (q) => q.close());
    await queue.pause();

    const key = (k: string): string => `${bullPrefix}:${NOOP_QUEUE}:${k}`;
    const remaining = async (): Promise<number> => {
      const replies = await connection
        .pipeline()
        .llen(key('wait'))
        .llen(key('paused'))
        .llen(key('active'))
        .zcard(key('prioritized'))
        .zcard(key('delayed'))
        .exec();
      return (replies ?? []).reduce((sum, [error, n]) => {
        if (error) throw error;
        return sum + Number(n);
      }, 0);
    };

    const worker = new NodeProcess({
      name: `jobs-${contestant}-r${round}`,
      script: JOBS_WORKER_SCRIPT[contestant],
      env: {
        REDIS_URL: redis.url,
        SHOAL_PREFIX: prefix,
        SHOAL_NODE_ID: `jobs-${contestant}-r${round}`,
        JOBS_CONCURRENCY: String(settings.concurrency),
        NO_COLOR: '1',
      },
    });
    scope.track(worker, (w) => w.kill());
    await worker.start();
    const pid = worker.pid;
    const redisPid = redis.pid;
    if (pid === undefined || redisPid === undefined) throw new Error('the worker or Redis has no pid');
    await sleep(settings.settleMs, scope.signal);

    let next = 0;
    /** Pre-fills `jobs` jobs (the queue is paused), resumes, waits until done, pauses; returns the samples. */
    const trial = async (jobs: number): Promise<ThroughputSamples> => {
      for (let added = 0; added < jobs; added += BULK) {
        await queue.addBulk(
          Array.from({ length: Math.min(BULK, jobs - added) }, () => ({
            name: NOOP_JOB,
            data: { i: next++ },
            opts: SHOAL_DEFAULT_JOB_OPTIONS,
          })),
        );
      }
      const queued = await remaining();
      if (queued !== jobs) throw new Error(`pre-filled ${queued} jobs, expected ${jobs}`);

      const cpuBefore = await readProcUsage(pid);
      const redisBefore = await readProcUsage(redisPid);
      const commandsBefore = await commandsProcessed(connection);
      const began = performance.now();
      await queue.resume();
      let polls = 0;
      for (;;) {
        polls += 1;
        if ((await remaining()) === 0) break;
        if (performance.now() - began > TRIAL_TIMEOUT_MS) {
          throw new Error(`${contestant}: jobs left after ${TRIAL_TIMEOUT_MS / 1000} s`);
        }
        await sleep(POLL_MS, scope.signal);
      }
      const seconds = (performance.now() - began) / 1000;
      const cpuAfter = await readProcUsage(pid);
      const redisAfter = await readProcUsage(redisPid);
      // INFO is counted in the next reply: one for the first INFO; resume() counted as its own few commands.
      const commands = (await commandsProcessed(connection)) - commandsBefore - 1 - polls * COMMANDS_PER_POLL;
      await queue.pause();
      const failed = await connection.zcard(key('failed'));
      if (failed > 0) throw new Error(`${contestant}: ${failed} no-op jobs failed`);
      const usPerJob = (before: number, after: number): number => ((after - before) * 1e6) / CLK_TCK / jobs;
      return {
        jobs_per_s: [jobs / seconds],
        jobs_worker_cpu_us: [usPerJob(cpuBefore.cpuTicks, cpuAfter.cpuTicks)],
        jobs_redis_cpu_us: [usPerJob(redisBefore.cpuTicks, redisAfter.cpuTicks)],
        jobs_redis_cmds: [commands / jobs],
      };
    };

    if (settings.warmupJobs > 0) await trial(settings.warmupJobs);
    const samples: ThroughputSamples = {
      jobs_per_s: [],
      jobs_worker_cpu_us: [],
      jobs_redis_cpu_us: [],
      jobs_redis_cmds: [],
    };
    for (let t = 0; t < settings.trials; t++) {
      scope.check();
      const one = await trial(settings.jobs);
      for (const metric of Object.keys(samples) as (keyof ThroughputSamples)[]) {
        samples[metric].push(...one[metric]);
      }
    }
    return samples;
  });
}
