import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import { ClusterModule, type ClusterModuleOptions } from '@shoal/cluster';
import { InProcessCluster } from '@shoal/testing';
import { Redis } from 'ioredis';
import pg from 'pg';
import { LockKeyError } from '../errors/lock-key.error.js';
import { LockTimeoutError } from '../errors/lock-timeout.error.js';
import { LeaderModule } from '../leader.module.js';
import { LockService } from './lock.service.js';
import { RedisLockBackend } from './redis-lock.backend.js';
import { WithLock } from './with-lock.decorator.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
let prefix = '';
/** Where the counter lives: not the cluster's connection, so both lock backends guard the same kind of resource. */
const store = new Redis(REDIS_URL, { lazyConnect: true });

@Injectable()
class Counter {
  private get redis(): Redis {
    return store;
  }

  /** A read-modify-write that loses updates without the lock. */
  @WithLock('counter', { ttl: 2000, wait: 20_000 })
  async increment(): Promise<void> {
    const value = Number((await this.redis.get(`${prefix}:counter`)) ?? '0');
    await new Promise((resolve) => setImmediate(resolve));
    await this.redis.set(`${prefix}:counter`, String(value + 1));
  }

  @WithLock((account: { id: string }) => `account:${account.id}`)
  async touch(account: { id: string }): Promise<string> {
    return account.id;
  }
}

@Module({})
class LockTestModule {}

const backends: [string, 'redis' | 'leases', () => ClusterModuleOptions][] = [
  ['Redis', 'redis', () => ({ redis: REDIS_URL })],
  ['Postgres lease rows', 'leases', () => ({ postgres: DATABASE_URL, store: 'postgres' })],
];

describe.each(backends)('LockService and @WithLock (3 in-process nodes, locks on %s)', (_, kind, options) => {
  let group: InProcessCluster;
  let locks: LockService[];

  beforeAll(async () => {
    prefix = `t_${Math.random().toString(36).slice(2, 10)}`;
    group = await InProcessCluster.start(3, (i) => ({
      module: LockTestModule,
      imports: [ClusterModule.forRoot({ ...options(), prefix, nodeId: `l${i}` }), LeaderModule.forRoot()],
      providers: [Counter],
    }));
    locks = group.all(LockService);
    expect(locks[0].backendKind).toBe(kind);
  });

  afterAll(async () => {
    const keys = await store.keys(`${prefix}:*`);
    if (keys.length > 0) await store.del(...keys);
    const redis = new Redis(REDIS_URL);
    const clusterKeys = await redis.keys(`${prefix}:*`);
    if (clusterKeys.length > 0) await redis.del(...clusterKeys);
    await redis.quit();
    await group.close();
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${prefix}" CASCADE`);
    await client.end();
  });

  it('keeps 300 concurrent read-modify-write increments from 3 nodes exact', async () => {
    const counters = group.all(Counter);
    await Promise.all(Array.from({ length: 300 }, (_, i) => counters[i % 3].increment()));
    expect(await store.get(`${prefix}:counter`)).toBe('300');
  });

  it('tryLock does not wait, lock() waits only up to `wait`, and tokens only grow', async () => {
    const first = await locks[0].tryLock('resource-a', { ttl: 1000 });
    expect(first).not.toBeNull();
    expect(await locks[1].tryLock('resource-a')).toBeNull();
    await expect(locks[1].lock('resource-a', { wait: 100 })).rejects.toBeInstanceOf(LockTimeoutError);
    await first!.release();
    const second = await locks[1].lock('resource-a', { wait: 100 });
    expect(second.token).toBeGreaterThan(first!.token);
    await second.release();
  });

  it('extends a held lock past its TTL while the work runs', async () => {
    const held = await locks[0].lock('resource-b', { ttl: 200 });
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(held.signal.aborted).toBe(false);
    expect(await locks[1].tryLock('resource-b')).toBeNull();
    await held.release();
    const next = await locks[1].tryLock('resource-b');
    expect(next).not.toBeNull();
    await next!.release();
  });

  it('computes keys from arguments and reports a throwing key function clearly', async () => {
    const counter = group.all(Counter)[0];
    await expect(counter.touch({ id: '42' })).resolves.toBe('42');
    await expect(counter.touch(undefined as never)).rejects.toBeInstanceOf(LockKeyError);
    await expect(counter.touch(undefined as never)).rejects.toThrow(
      /@WithLock on Counter.touch: the key function threw/,
    );
  });
});

describe('RedisLockBackend release', () => {
  const own = `rl_${Math.random().toString(36).slice(2, 10)}`;

  afterAll(async () => {
    const keys = await store.keys(`${own}:*`);
    if (keys.length > 0) await store.del(...keys);
  });

  it('deletes the lock it holds, and never a lock that expired and passed to another holder', async () => {
    const first = new RedisLockBackend(store, own);
    const second = new RedisLockBackend(store, own);
    const resource = `${own}:lock:{job}`;

    const held = await first.acquire('job', 10_000);
    expect(held).not.toBeNull();
    await held!.release();
    expect(await store.exists(resource)).toBe(0);

    const stale = await first.acquire('job', 10_000);
    await store.del(resource); // as if its TTL ran out while the holder was paused
    const current = await second.acquire('job', 10_000);
    expect(current).not.toBeNull();
    await stale!.release();
    expect(await second.acquire('job', 10_000)).toBeNull(); // the second holder's lock is still there
    expect(current!.token).toBeGreaterThan(stale!.token);
    await current!.release();
    expect(await store.exists(resource)).toBe(0);
  });
});

afterAll(() => store.disconnect());
