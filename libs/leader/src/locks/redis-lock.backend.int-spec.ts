import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { RedisLockBackend } from './redis-lock.backend.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('RedisLockBackend release', () => {
  const prefix = `rl_${Math.random().toString(36).slice(2, 10)}`;
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('deletes the lock it holds, and never a lock that expired and passed to another holder', async () => {
    const first = new RedisLockBackend(redis, prefix);
    const second = new RedisLockBackend(redis, prefix);
    const resource = `${prefix}:lock:{job}`;

    const held = await first.acquire('job', 10_000);
    expect(held).not.toBeNull();
    await held!.release();
    expect(await redis.exists(resource)).toBe(0);

    const stale = await first.acquire('job', 10_000);
    await redis.del(resource); // as if its TTL ran out while the holder was paused
    const current = await second.acquire('job', 10_000);
    expect(current).not.toBeNull();
    await stale!.release();
    expect(await second.acquire('job', 10_000)).toBeNull(); // the second holder's lock is still there
    expect(current!.token).toBeGreaterThan(stale!.token);
    await current!.release();
    expect(await redis.exists(resource)).toBe(0);
  });
});
