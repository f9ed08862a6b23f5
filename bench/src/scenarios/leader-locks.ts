import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClusterModule } from '@shoal/cluster';
import { LeaderModule, LockService } from '@shoal/leader';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { alternatingSlices, sideOrder, type Contestant } from '../harness/interleave.js';
import type { Scope } from '../harness/scope.js';
import { sleep } from '../harness/sleep.js';
import { median, percentile } from '../harness/stats.js';
import { randomPrefix } from './membership-nodes.js';

/** Lock TTL of both contestants: `LockService`'s default. */
const LOCK_TTL_MS = 10_000;

/** Samples of one side of a lock round, in µs (a type alias, so that it is a `MetricSamples`). */
export type LockSamples = {
  /** Every measured acquisition. */
  lock_us: number[];
  /** The round's median acquisition. */
  lock_p50_us: number[];
  /** The round's 99th-percentile acquisition. */
  lock_p99_us: number[];
};

/** One round of lock latency, both contestants side by side. */
export interface LockRound {
  /** 1-based round number (which side goes first). */
  readonly round: number;
  /** Measured acquisitions per contestant. */
  readonly acquisitions: number;
  /** Slices the measured acquisitions are cut into, alternating between the contestants. */
  readonly slices: number;
  /** Unmeasured acquisitions of each contestant first (JIT, connection, script cache). */
  readonly warmup: number;
  /** Pause after both setups (Nest context and connection) before the warm-up, so start-up work has finished. */
  readonly settleMs: number;
  /** The Redis both contestants lock on (one private server for the whole scenario). */
  readonly redisUrl: string;
}

/** One contestant's uncontended lock: acquire, then release before the next acquisition. */
interface Locker {
  acquire(): Promise<void>;
  release(): Promise<void>;
}

@Module({})
class LockBenchModule {}

/** Acquires and releases `count` times in a row; when `into` is given, pushes each acquire call's duration (µs). */
async function cycle(locker: Locker, count: number, into?: number[]): Promise<void> {
  for (let i = 0; i < count; i++) {
    const began = performance.now();
    await locker.acquire();
    const took = (performance.now() - began) * 1000;
    await locker.release();
    into?.push(took);
  }
}

/**
 * Shoal: `LockService.tryLock` + `handle.release()` in a Nest application context of this process with
 * `ClusterModule` (Redis store) and `LeaderModule`.
 */
async function shoalLocker(redisUrl: string, scope: Scope): Promise<Locker> {
  const app = await NestFactory.createApplicationContext(
    {
      module: LockBenchModule,
      imports: [
        ClusterModule.forRoot({
          redis: redisUrl,
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
  return {
    acquire: async () => {
      handle = await locks.tryLock('bench-lock', { ttl: LOCK_TTL_MS });
      if (!handle) throw new Error('uncontended tryLock returned null');
    },
    release: async () => {
      await handle?.release();
      handle = null;
    },
  };
}

/** Raw: one `SET key token NX PX 10000` round trip on plain ioredis, then `DEL`. */
async function rawLocker(redisUrl: string, scope: Scope): Promise<Locker> {
  const redis = scope.track(new Redis(redisUrl, { connectionName: 'raw-lock' }), (c) => c.quit());
  await redis.ping();
  const key = `${randomPrefix()}:lock`;
  let token = 0;
  return {
    acquire: async () => {
      if ((await redis.set(key, String(++token), 'PX', LOCK_TTL_MS, 'NX')) !== 'OK') {
        throw new Error('uncontended SET NX failed');
      }
    },
    release: async () => {
      await redis.del(key);
    },
  };
}

function samplesOf(lock_us: number[]): LockSamples {
  return { lock_us, lock_p50_us: [median(lock_us)], lock_p99_us: [percentile(lock_us, 99)] };
}

/**
 * One lock round in this process, both contestants side by side on the shared lock Redis: both set up, then after
 * {@link LockRound.settleMs} each warms up, then the measured acquisitions run in slices alternating between the two
 * (which side goes first alternating by round), so a stall of the machine falls on both alike. Only the acquire call
 * is timed. Both share this process's heap: a garbage collection falls on whichever side allocates when it is due,
 * so each side meets collections in proportion to what it allocates.
 */
export function leaderLockRound(turn: LockRound, parent: Scope): Promise<Record<Contestant, LockSamples>> {
  return parent.child(async (scope) => {
    const order = sideOrder(turn.round);
    const lockers: Record<Contestant, Locker> = {
      shoal: await shoalLocker(turn.redisUrl, scope),
      raw: await rawLocker(turn.redisUrl, scope),
    };
    await sleep(turn.settleMs, scope.signal);
    for (const contestant of order) await cycle(lockers[contestant], turn.warmup);
    const took: Record<Contestant, number[]> = { shoal: [], raw: [] };
    const perSlice = Math.ceil(turn.acquisitions / turn.slices);
    await alternatingSlices(order, turn.slices, (c) => cycle(lockers[c], perSlice, took[c]));
    return { shoal: samplesOf(took.shoal), raw: samplesOf(took.raw) };
  });
}
