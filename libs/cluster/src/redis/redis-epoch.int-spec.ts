import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { RedisServer, eventually } from '@shoal/testing';
import { Redis } from 'ioredis';
import { RedisEpochWatch, type RedisDataLoss } from './redis-epoch.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A watch on `redis` that records every loss it reports. */
function watching(redis: Redis, prefix: string, ids: string[] = []) {
  let n = 0;
  const watch = new RedisEpochWatch(redis, prefix, () => ids[n++] ?? `epoch-${prefix}-${n}`);
  const losses: RedisDataLoss[] = [];
  watch.dataLoss$.subscribe((loss) => losses.push(loss));
  return { watch, losses };
}

describe('RedisEpochWatch on the shared Redis', () => {
  let redis: Redis;
  const prefixes: string[] = [];
  const freshPrefix = () => {
    prefixes.push(`t_${Math.random().toString(36).slice(2, 10)}`);
    return prefixes[prefixes.length - 1];
  };

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });

  afterAll(async () => {
    await redis.del(...prefixes.map((p) => `${p}:epoch`));
    await redis.quit();
  });

  it('writes the marker once: a second node adopts it, and reading again is not a loss', async () => {
    const prefix = freshPrefix();
    const a = watching(redis, prefix, ['first']);
    const b = watching(redis, prefix, ['second']);
    expect(await a.watch.current()).toBe('first');
    expect(await b.watch.current()).toBe('first');
    expect(await a.watch.current()).toBe('first');
    expect(await redis.get(`${prefix}:epoch`)).toBe('first');
    expect([...a.losses, ...b.losses]).toEqual([]);
  });

  it('a missing marker is a loss: the first node to see it writes a new epoch, the others adopt it, each reports once', async () => {
    const prefix = freshPrefix();
    const a = watching(redis, prefix, ['first', 'after-loss']);
    const b = watching(redis, prefix, ['unused', 'loser']);
    await a.watch.current();
    await b.watch.current();
    await redis.del(`${prefix}:epoch`); // what FLUSHALL or an empty restart does to it
    expect(await a.watch.current()).toBe('after-loss');
    expect(await b.watch.current()).toBe('after-loss');
    await a.watch.current();
    expect(a.losses.map(({ previousEpoch, epoch, reason }) => ({ previousEpoch, epoch, reason }))).toEqual([
      { previousEpoch: 'first', epoch: 'after-loss', reason: 'missing' },
    ]);
    expect(b.losses.map(({ previousEpoch, epoch, reason }) => ({ previousEpoch, epoch, reason }))).toEqual([
      { previousEpoch: 'first', epoch: 'after-loss', reason: 'changed' },
    ]);
  });

  it('concurrent checks share one read', async () => {
    const { watch } = watching(redis, freshPrefix());
    const [x, y] = [watch.current(), watch.current()];
    expect(x).toBe(y);
    await x;
  });
});

describe('RedisEpochWatch across server restarts', () => {
  let server: RedisServer | undefined;
  let redis: Redis | undefined;
  let watch: RedisEpochWatch | undefined;

  afterEach(async () => {
    watch?.stop();
    redis?.disconnect();
    await server?.destroy();
    server = redis = watch = undefined;
  });

  async function startWatching(persistent: boolean) {
    server = await RedisServer.start({ persistent });
    redis = new Redis(server.url);
    redis.on('error', () => undefined);
    const watched = watching(redis, 'shoal');
    watch = watched.watch;
    await watch.start(60_000); // the reconnect triggers the check here, not the interval
    return watched;
  }

  it('a restart that keeps the data is a reconnect, not a loss', async () => {
    const { watch, losses } = await startWatching(true);
    const before = watch.epoch;
    await server!.restart();
    await eventually(async () => redis!.status === 'ready' && (await watch.current()) === before, {
      what: 'reconnected to the same data',
      timeoutMs: 15_000,
    });
    expect(losses).toEqual([]);
  });

  it('a restart without persistence is detected on reconnect, without waiting for the interval', async () => {
    const { watch, losses } = await startWatching(false);
    const before = watch.epoch;
    await server!.restart();
    const [loss] = await eventually(() => (losses.length > 0 ? losses : undefined), {
      what: 'the loss reported after the reconnect',
      timeoutMs: 15_000,
    });
    expect(loss.previousEpoch).toBe(before);
    expect(loss.epoch).toBe(watch.epoch);
    expect(loss.epoch).not.toBe(before);
    expect(losses).toHaveLength(1);
  });
});
