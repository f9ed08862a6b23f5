import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClusterModule } from '@shoal/cluster';
import { LeaderModule, LockService } from '@shoal/leader';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import type { Contestant } from '../harness/interleave.js';
import type { Scope } from '../harness/scope.js';
import { sleep } from '../harness/sleep.js';
import { median, percentile } from '../harness/stats.js';
import { randomPrefix } from './membership-nodes.js';

/** Lock TTL of both contestants: `LockService`'s default. */
const LOCK_TTL_MS = 10_000;

/** Samples of one lock turn, in µs. */
export interface LockSamples {
  /** Every measured acquisition. */
  lock_us: number[];
  /** The turn's median acquisition. */
  lock_p50_us: number[];
  /** The turn's 99th-percentile acquisition. */
  lock_p99_us: number[];
}

/** One contestant's lock turn. */
export interface LockTurn {
  readonly contestant: Contestant;
  /** Measured acquisitions. */
  readonly acquisitions: number;
  /** Unmeasured acquisitions first (JIT, connection, script cache). */
  readonly warmup: number;
  /** Pause after the setup (Nest context or connection) before the warm-up, so start-up work has finished. */
  readonly settleMs: number;
  /** The Redis both contestants lock on (one private server for the whole scenario). */
  readonly redisUrl: string;
}

@Module({})
class LockBenchModule {}

/**
 * After {@link LockTurn.settleMs}, acquires and releases `warmup + acquisitions` times in a row, timing only the
 * acquire call of the last ones.
 */
async function measure(
  turn: LockTurn,
  scope: Scope,
  acquire: () => Promise<void>,
  release: () => Promise<void>,
): Promise<LockSamples> {
  await sleep(turn.settleMs, scope.signal);
  const lock_us: number[] = [];
  for (let i = 0; i < turn.warmup + turn.acquisitions; i++) {
    const began = performance.now();
    await acquire();
    const took = (performance.now() - began) * 1000;
    await release();
    if (i >= turn.warmup) lock_us.push(took);
  }
  return { lock_us, lock_p50_us: [median(lock_us)], lock_p99_us: [percentile(lock_us, 99)] };
}

/**
 * Shoal: `LockService.tryLock` + `handle.release()` in a Nest application context of this process with
 * `ClusterModule` (Redis store) and `LeaderModule`, uncontended (one key, released before the next attempt).
 */
async function shoalLocks(turn: LockTurn, scope: Scope): Promise<LockSamples> {
  const app = await NestFactory.createApplicationContext(
    {
      module: LockBenchModule,
      imports: [
        ClusterModule.forRoot({
          redis: turn.redisUrl,
          store: 'redis',
          nodeId: `lock-bench-${process.pid}`,
          prefix: randomPrefix(),
          // A fresh registry per context: the scenario creates one context per round in this process.
          metricsRegistry: new Registry(),
        }),
        LeaderModule.forRoot(),
      ],
    },
    { logger: false, abortOnError: false },
  );
  scope.track(app, (a) => a.close());
  const locks = app.get(LockService);
  let handle: Awaited<ReturnType<LockService['tryLock']>> = null;
  return measure(
    turn,
    scope,
    async () => {
      handle = await locks.tryLock('bench-lock', { ttl: LOCK_TTL_MS });
      if (!handle) throw new Error('uncontended tryLock returned null');
    },
    async () => {
      await handle?.release();
      handle = null;
    },
  );
}

/** Raw: one `SET key token NX PX 10000` round trip on plain ioredis, then `DEL`. */
async function rawLocks(turn: LockTurn, scope: Scope): Promise<LockSamples> {
  const redis = scope.track(new Redis(turn.redisUrl, { connectionName: 'raw-lock' }), (c) => c.quit());
  await redis.ping();
  const key = `${randomPrefix()}:lock`;
  let token = 0;
  return measure(
    turn,
    scope,
    async () => {
      if ((await redis.set(key, String(++token), 'PX', LOCK_TTL_MS, 'NX')) !== 'OK') {
        throw new Error('uncontended SET NX failed');
      }
    },
    async () => {
      await redis.del(key);
    },
  );
}

/** One contestant's lock-latency turn, in this process, on the shared lock Redis. */
export function leaderLockTurn(turn: LockTurn, parent: Scope): Promise<LockSamples> {
  return parent.child((scope) =>
    turn.contestant === 'shoal' ? shoalLocks(turn, scope) : rawLocks(turn, scope),
  );
}
