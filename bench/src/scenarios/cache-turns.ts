import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CacheModule, CacheService } from '@shoal/cache';
import { ClusterModule } from '@shoal/cluster';
import { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { Registry } from 'prom-client';
import type { Contestant, MetricSamples } from '../harness/interleave.js';
import type { Scope } from '../harness/scope.js';
import { percentile } from '../harness/stats.js';
import { randomPrefix } from './membership-nodes.js';

/** Shape of one cache turn. */
export interface CacheTurn {
  readonly contestant: Contestant;
  readonly redisUrl: string;
  /** L1 reads per timed batch, and batches. */
  readonly l1Reads: number;
  /** L2 reads (one in flight at a time). */
  readonly l2Reads: number;
  /** Invalidations sent to the listener process, one at a time. */
  readonly invalidations: number;
}

const LISTENER = resolve(import.meta.dirname, '../fixtures/cache-listener.js');
const VALUE = { name: 'checkout', enabled: true, version: 42, rollout: [10, 20, 50] };
const nowUs = () => (performance.timeOrigin + performance.now()) * 1000;

@Module({})
class CacheBenchModule {}

/** Ops/s of `read` run `count` times in a row, each awaited (the best of 3 batches). */
async function opsPerSecond(count: number, read: () => unknown): Promise<number> {
  let best = 0;
  for (let batch = 0; batch < 3; batch++) {
    const began = performance.now();
    for (let i = 0; i < count; i++) await read();
    best = Math.max(best, count / ((performance.now() - began) / 1000));
  }
  return best;
}

async function startListener(mode: Contestant, redisUrl: string, prefix: string, scope: Scope) {
  const child: ChildProcess = fork(LISTENER, [], {
    env: { ...process.env, MODE: mode, REDIS_URL: redisUrl, PREFIX: prefix },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  scope.track(child, async (c) => c.kill('SIGKILL'));
  const arrivals = new Map<string, number>();
  let waiting: ((key: string) => void) | undefined;
  await new Promise<void>((ready, fail) => {
    child.once('exit', (code) => fail(new Error(`cache listener exited with ${code}`)));
    child.on('message', (message: { ready?: boolean; key?: string; atUs?: number }) => {
      if (message.ready) ready();
      else if (message.key && message.atUs) {
        arrivals.set(message.key, message.atUs);
        waiting?.(message.key);
      }
    });
  });
  const arrived = (key: string) =>
    new Promise<number>((done) => {
      const seen = arrivals.get(key);
      if (seen !== undefined) return done(seen);
      waiting = (k) => {
        if (k === key) done(arrivals.get(key)!);
      };
    });
  return { child, arrived };
}

/**
 * One turn: L1 hit ops/s, L2 hit ops/s, and invalidation propagation to another process (µs from the call on this
 * side to the listener learning of it).
 */
export async function cacheTurn(turn: CacheTurn, scope: Scope): Promise<MetricSamples> {
  const prefix = randomPrefix();
  const listener = await startListener(turn.contestant, turn.redisUrl, prefix, scope);
  const propagation: number[] = [];
  let l1: number;
  let l2: number;
  if (turn.contestant === 'raw') {
    const lru = new LRUCache<string, object>({ max: 10_000 });
    lru.set('k', VALUE);
    l1 = await opsPerSecond(turn.l1Reads, () => lru.get('k'));
    const redis = new Redis(turn.redisUrl);
    await redis.set(`${prefix}:k`, JSON.stringify(VALUE));
    l2 = await opsPerSecond(turn.l2Reads, async () => JSON.parse((await redis.get(`${prefix}:k`)) as string));
    for (let i = 0; i < turn.invalidations; i++) {
      const key = `k${i}`;
      const sent = nowUs();
      await redis.publish(`${prefix}:raw-bus`, key);
      propagation.push((await listener.arrived(key)) - sent);
    }
    await redis.quit();
  } else {
    const app = await NestFactory.createApplicationContext(
      {
        module: CacheBenchModule,
        imports: [
          ClusterModule.forRoot({
            redis: turn.redisUrl,
            prefix,
            nodeId: `cache-bench-${process.pid}`,
            metricsRegistry: new Registry(),
          }),
          CacheModule.forRoot({ provider: 'redis', cacheManager: false, maxEntries: 1 }),
        ],
      },
      { logger: ['error', 'warn'] },
    );
    try {
      const cache = app.get(CacheService);
      await cache.set('k', VALUE);
      l1 = await opsPerSecond(turn.l1Reads, () => cache.get('k'));
      // maxEntries 1 and two keys read in turn: every read misses L1 and hits L2.
      await cache.set('other', VALUE);
      let reads = 0;
      l2 = await opsPerSecond(turn.l2Reads, () => cache.get(reads++ % 2 === 0 ? 'k' : 'other'));
      for (let i = 0; i < turn.invalidations; i++) {
        const key = `k${i}`;
        const sent = nowUs();
        await cache.delete(key);
        propagation.push((await listener.arrived(key)) - sent);
      }
    } finally {
      await app.close();
    }
  }
  listener.child.kill('SIGTERM');
  return {
    l1_ops: [l1],
    l2_ops: [l2],
    propagation_us: propagation,
    propagation_p50_us: [percentile(propagation, 50)],
    propagation_p99_us: [percentile(propagation, 99)],
  };
}
