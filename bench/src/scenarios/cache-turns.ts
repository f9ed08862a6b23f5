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
  /** L1 reads per timed batch. */
  readonly l1Reads: number;
  /** L2 reads per timed batch (one in flight at a time). */
  readonly l2Reads: number;
  /** Timed batches of each (ops/s is the best batch: the one least disturbed by other work on the machine). */
  readonly batches: number;
  /** Invalidations sent to the listener process, one at a time. */
  readonly invalidations: number;
}

const LISTENER = resolve(import.meta.dirname, '../fixtures/cache-listener.js');
const VALUE = { name: 'checkout', enabled: true, version: 42, rollout: [10, 20, 50] };
const nowUs = () => (performance.timeOrigin + performance.now()) * 1000;

/**
 * Keys held in L1 (and in the bare LRU): both sides read the same `KEY_COUNT` keys in turn for L1 hits, and
 * `KEY_COUNT + 1` keys in turn for L2 hits — with an LRU of `KEY_COUNT` entries, each of those reads misses L1.
 */
export const KEY_COUNT = 100;
const KEYS = Array.from({ length: KEY_COUNT + 1 }, (_, i) => `key-${i}`);

/** L1 reads timed together for one latency sample (one read is too short to time alone). */
const L1_CHUNK = 1000;

@Module({})
class CacheBenchModule {}

/** Ops/s and per-read latencies (µs) of `read(i)` run in batches of reads in a row, each awaited. */
interface ReadTiming {
  /** The best batch. */
  readonly opsPerSecond: number;
  /** µs per read: of each read, or the mean of each chunk of `chunk` reads. */
  readonly latenciesUs: number[];
}

/**
 * Times `read(i)` for `i` = 0 … `count` − 1, `batches` times, each read awaited (the same loop for both sides).
 * With `chunk` > 1 a latency sample is the mean of `chunk` reads in a row.
 */
async function timeReads(
  count: number,
  batches: number,
  chunk: number,
  read: (i: number) => unknown,
): Promise<ReadTiming> {
  let best = 0;
  const latenciesUs: number[] = [];
  for (let batch = 0; batch < batches; batch++) {
    const began = performance.now();
    let chunkBegan = began;
    for (let i = 0; i < count; i++) {
      await read(i);
      if ((i + 1) % chunk === 0) {
        const now = performance.now();
        latenciesUs.push(((now - chunkBegan) * 1000) / chunk);
        chunkBegan = now;
      }
    }
    best = Math.max(best, count / ((performance.now() - began) / 1000));
  }
  return { opsPerSecond: best, latenciesUs };
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
  const l2Keys = KEY_COUNT + 1;
  let l1: ReadTiming;
  let l2: ReadTiming;
  if (turn.contestant === 'raw') {
    const lru = new LRUCache<string, object>({ max: KEY_COUNT });
    for (const key of KEYS.slice(0, KEY_COUNT)) lru.set(key, VALUE);
    l1 = await timeReads(turn.l1Reads, turn.batches, L1_CHUNK, (i) => lru.get(KEYS[i % KEY_COUNT]));
    const redis = new Redis(turn.redisUrl);
    const redisKeys = KEYS.map((key) => `${prefix}:${key}`);
    for (const key of redisKeys) await redis.set(key, JSON.stringify(VALUE));
    l2 = await timeReads(turn.l2Reads, turn.batches, 1, async (i) =>
      JSON.parse((await redis.get(redisKeys[i % l2Keys])) as string),
    );
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
          CacheModule.forRoot({ provider: 'redis', cacheManager: false, maxEntries: KEY_COUNT }),
        ],
      },
      { logger: ['error', 'warn'] },
    );
    try {
      const cache = app.get(CacheService);
      for (const key of KEYS.slice(0, KEY_COUNT)) await cache.set(key, VALUE);
      l1 = await timeReads(turn.l1Reads, turn.batches, L1_CHUNK, (i) => cache.get(KEYS[i % KEY_COUNT]));
      // One key more than L1 holds, read in turn: every read misses L1 and hits L2.
      await cache.set(KEYS[KEY_COUNT], VALUE);
      l2 = await timeReads(turn.l2Reads, turn.batches, 1, (i) => cache.get(KEYS[i % l2Keys]));
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
    l1_ops: [l1.opsPerSecond],
    l2_ops: [l2.opsPerSecond],
    l1_us: l1.latenciesUs,
    l2_us: l2.latenciesUs,
    l1_p99_us: [percentile(l1.latenciesUs, 99)],
    l2_p99_us: [percentile(l2.latenciesUs, 99)],
    propagation_us: propagation,
    propagation_p50_us: [percentile(propagation, 50)],
    propagation_p99_us: [percentile(propagation, 99)],
  };
}
