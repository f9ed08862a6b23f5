import { afterAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { createNodeInfo } from '../node-identity.js';
import { RedisMembershipStore } from './redis-membership.store.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const FAILURE_TIMEOUT = 600;
const prefix = `t_${Math.random().toString(36).slice(2, 10)}`;
const redis = new Redis(REDIS_URL);
const store = new RedisMembershipStore(redis, prefix);

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

describe('RedisMembershipStore after a store outage', () => {
  it('keeps the members live before a silence longer than the failure timeout, and sweeps the dead one after', async () => {
    const [a, b] = [createNodeInfo({ nodeId: 'a' }), createNodeInfo({ nodeId: 'b' })];
    await store.beat(a, FAILURE_TIMEOUT);
    await store.beat(b, FAILURE_TIMEOUT);
    // Nobody reaches the store for twice the failure timeout (a failover): no heartbeat lands.
    await sleep(2 * FAILURE_TIMEOUT);
    const first = await store.beat(b, FAILURE_TIMEOUT);
    expect(first.removed).toEqual([]);
    expect(first.members?.map((m) => m.id)).toEqual(['a', 'b']);
    expect((await store.list(FAILURE_TIMEOUT)).members.map((m) => m.id)).toEqual(['a', 'b']);
    // b keeps beating; a stays silent: once the grace is over, a is removed as usual.
    let removed: readonly string[] = [];
    for (let i = 0; i < 8 && removed.length === 0; i += 1) {
      await sleep(FAILURE_TIMEOUT / 4);
      removed = (await store.beat(b, FAILURE_TIMEOUT)).removed;
    }
    expect(removed).toEqual(['a']);
  });
});
