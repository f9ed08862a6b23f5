import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { PublishBatcher } from './publish-batcher.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('PublishBatcher', () => {
  const prefix = `pb_${Math.random().toString(36).slice(2, 10)}`;
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('writes the publishes of one tick in call order and resolves each caller', async () => {
    const batcher = new PublishBatcher(redis, '1000');
    const key = `${prefix}:ordered`;
    await Promise.all(Array.from({ length: 50 }, (_, i) => batcher.publish([[key, JSON.stringify({ i })]])));
    const entries = await redis.xrange(key, '-', '+');
    expect(entries.map(([, fields]) => (JSON.parse(fields[1]) as { i: number }).i)).toEqual(
      Array.from({ length: 50 }, (_, i) => i),
    );
  });

  it('fails only the call whose entry Redis refused; the others in the same batch land', async () => {
    const batcher = new PublishBatcher(redis, '1000');
    const good = `${prefix}:good`;
    const wrongType = `${prefix}:a-string`;
    await redis.set(wrongType, 'not a stream');
    const results = await Promise.allSettled([
      batcher.publish([[good, '"one"']]),
      batcher.publish([[wrongType, '"refused"']]),
      batcher.publish([[good, '"two"']]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/WRONGTYPE/);
    expect((await redis.xrange(good, '-', '+')).map(([, fields]) => fields[1])).toEqual(['"one"', '"two"']);
  });

  it('a publish alone in its batch (one plain XADD) lands, or rejects with the error Redis gave', async () => {
    const batcher = new PublishBatcher(redis, '1000');
    const alone = `${prefix}:alone`;
    const wrongType = `${prefix}:another-string`;
    await redis.set(wrongType, 'not a stream');
    await batcher.publish([[alone, '"solo"']]);
    await expect(batcher.publish([[wrongType, '"refused"']])).rejects.toThrow(/WRONGTYPE/);
    expect((await redis.xrange(alone, '-', '+')).map(([, fields]) => fields[1])).toEqual(['"solo"']);
  });
});
