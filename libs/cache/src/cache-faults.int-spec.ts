import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Module } from '@nestjs/common';
import { ClusterConnections, ClusterModule } from '@shoal/cluster';
import { EventBusModule } from '@shoal/events';
import { InProcessCluster, TcpProxy, eventually } from '@shoal/testing';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { CacheModule } from './cache.module.js';
import { CacheService } from './cache.service.js';
import { l2ItemKey } from './engine/cache-keys.js';
import { FenceRegistry } from './engine/fence-registry.js';
import { RedisL2Driver } from './engine/redis-l2.driver.js';
import { OutboxUnavailableError } from './errors/outbox-unavailable.error.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const newPrefix = () => `t_${Math.random().toString(36).slice(2, 10)}`;

@Module({})
class FaultsModule {}

async function cleanUp(group: InProcessCluster, prefix: string): Promise<void> {
  const connections = group.nodes[0].app.get(ClusterConnections);
  const keys = await connections.redis().keys(`${prefix}:*`);
  if (keys.length > 0) await connections.redis().del(...keys);
  if (connections.hasPostgres)
    await connections.postgres().query(`DROP SCHEMA IF EXISTS "${prefix}" CASCADE`);
  await group.close();
}

describe('Cache: a node cut off from the bus clears its L1 when it is back', () => {
  const prefix = newPrefix();
  const registry = new Registry();
  let proxy: TcpProxy;
  let group: InProcessCluster;
  let a: CacheService;
  let b: CacheService;

  beforeAll(async () => {
    proxy = await TcpProxy.start(Number(new URL(REDIS_URL).port || 6379));
    group = await InProcessCluster.start(2, (i) => ({
      module: FaultsModule,
      imports: [
        ClusterModule.forRoot({
          redis: i === 0 ? REDIS_URL : `redis://127.0.0.1:${proxy.port}`,
          prefix,
          nodeId: `r${i}`,
          metricsRegistry: registry,
        }),
        CacheModule.forRoot({ provider: 'redis' }),
      ],
    }));
    [a, b] = group.all(CacheService);
  });

  afterAll(async () => {
    proxy.restore();
    await cleanUp(group, prefix);
    await proxy.close();
  });

  it('misses an invalidation while cut off, serves the new value after reconnecting', async () => {
    // Node b loads the value itself: nobody else announces a write of it that could arrive late.
    expect(await b.getOrSetDetailed('flag', () => 'v1')).toEqual({ value: 'v1', servedFrom: 'origin' });
    expect(await a.getOrSetDetailed('flag', () => 'v1')).toEqual({ value: 'v1', servedFrom: 'l2' });
    proxy.cut();
    await a.delete('flag'); // L2 deleted, bus message sent: node b cannot receive it
    expect(await b.getOrSetDetailed('flag', () => 'unreachable')).toEqual({ value: 'v1', servedFrom: 'l1' });
    proxy.restore();
    await eventually(async () => (await b.getOrSet('flag', () => 'v2')) === 'v2', {
      timeoutMs: 10_000,
      what: 'node b dropping the value it cached before the outage',
    });
    const reconnects = await registry.getSingleMetric('shoal_cache_bus_reconnects_total')?.get();
    expect(reconnects?.values.reduce((sum, v) => sum + v.value, 0)).toBeGreaterThanOrEqual(1);
  });
});

describe('Cache: invalidation in a transaction goes through the outbox', () => {
  const prefix = newPrefix();
  let group: InProcessCluster;
  let a: CacheService;
  let b: CacheService;

  beforeAll(async () => {
    group = await InProcessCluster.start(2, (i) => ({
      module: FaultsModule,
      imports: [
        ClusterModule.forRoot({ redis: REDIS_URL, postgres: DATABASE_URL, prefix, nodeId: `o${i}` }),
        EventBusModule.forRoot(),
        CacheModule.forRoot({ provider: 'redis' }),
      ],
    }));
    [a, b] = group.all(CacheService);
  });

  afterAll(async () => {
    await cleanUp(group, prefix);
  });

  it('invalidates on commit (before transaction() returns on the writer), never on rollback', async () => {
    const db = group.nodes[0].app.get(ClusterConnections).postgres();
    for (const node of [a, b]) {
      await node.getOrSet('kept', () => 'old');
      await node.getOrSet('changed', () => 'old');
    }
    await expect(
      db.transaction(async (manager) => {
        await a.delete('kept', { manager });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await db.transaction(async (manager) => a.delete('changed', { manager }));
    // Applied right after the commit on the writer, and everywhere through the bus and the outbox event.
    expect(await a.getOrSet('changed', () => 'new')).toBe('new');
    await eventually(async () => (await b.getOrSet('changed', () => 'new')) === 'new', { what: 'node b' });
    // The committed invalidation has reached node b; the rolled-back one, written before it, never will.
    for (const node of [a, b])
      expect(await node.getOrSetDetailed('kept', () => 'reloaded')).toMatchObject({ value: 'old' });
  });

  it('refuses { manager } without the outbox, before anything is written', async () => {
    const alone = await InProcessCluster.start(1, () => ({
      module: FaultsModule,
      imports: [ClusterModule.forRoot({ redis: REDIS_URL, prefix: newPrefix() }), CacheModule.forRoot()],
    }));
    try {
      const db = group.nodes[0].app.get(ClusterConnections).postgres();
      const cache = alone.all(CacheService)[0];
      await expect(db.transaction((manager) => cache.delete('x', { manager }))).rejects.toBeInstanceOf(
        OutboxUnavailableError,
      );
    } finally {
      await alone.close();
    }
  });
});

describe('Cache: fenced L2 writes of single-flight loaders', () => {
  const prefix = newPrefix();
  const redis = new Redis(REDIS_URL);

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it("refuses a deposed loader's late write once a newer loader wrote", async () => {
    const fences = new FenceRegistry();
    const driver = new RedisL2Driver(redis, prefix, fences);
    const item = l2ItemKey(prefix, 'k');
    fences.expect(item, 200);
    expect(await driver.set('k', 'loaded-by-200', 10_000)).toBe(true);
    fences.expect(item, 100); // the lock holder before, paused past its TTL, now resuming
    expect(await driver.set('k', 'loaded-by-100', 10_000)).toBe(false);
    expect(fences.settle(item)).toBe(true);
    expect(await driver.get('k')).toBe('loaded-by-200');
    fences.expect(item, 300);
    expect(await driver.set('k', 'loaded-by-300', 10_000)).toBe(true);
    expect(await driver.get('k')).toBe('loaded-by-300');
  });
});
