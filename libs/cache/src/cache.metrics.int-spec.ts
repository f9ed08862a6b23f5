import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Module } from '@nestjs/common';
import { ClusterConnections, ClusterModule } from '@shoal/cluster';
import { InProcessCluster, eventually } from '@shoal/testing';
import { Registry } from 'prom-client';
import { CacheModule } from './cache.module.js';
import { CacheService } from './cache.service.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

@Module({})
class MetricsModule {}

/** The value of `name` with these labels in `registry` (0 when never counted). */
async function counted(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  const match = metric?.values.find((v) =>
    Object.entries(labels).every(([k, value]) => v.labels[k] === value),
  );
  return match?.value ?? 0;
}

describe('Cache metrics: hits per tier, misses, factory calls, invalidations sent and received', () => {
  const prefix = `t_${Math.random().toString(36).slice(2, 10)}`;
  // One registry per node, so each node's counts are its own.
  const registries = [new Registry(), new Registry()];
  let group: InProcessCluster;
  let a: CacheService;
  let b: CacheService;

  beforeAll(async () => {
    group = await InProcessCluster.start(2, (i) => ({
      module: MetricsModule,
      imports: [
        ClusterModule.forRoot({ redis: REDIS_URL, prefix, nodeId: `m${i}`, metricsRegistry: registries[i] }),
        CacheModule.forRoot({ provider: 'redis' }),
      ],
    }));
    [a, b] = group.all(CacheService);
  });

  afterAll(async () => {
    const redis = group.nodes[0].app.get(ClusterConnections).redis();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await group.close();
  });

  it('counts each lookup by where it was served, and each invalidation on both ends of the bus', async () => {
    const [ra, rb] = registries;
    const cache = { cache: 'default' };
    expect((await a.getOrSetDetailed('k', () => 'v')).servedFrom).toBe('origin');
    await expect(a.getOrSet('failing', () => Promise.reject(new Error('origin down')))).rejects.toThrow();
    expect((await b.getOrSetDetailed('k', () => 'unused')).servedFrom).toBe('l2');
    expect((await b.getOrSetDetailed('k', () => 'unused')).servedFrom).toBe('l1');

    expect(await counted(ra, 'shoal_cache_misses_total', cache)).toBe(2);
    expect(await counted(ra, 'shoal_cache_factory_calls_total', { ...cache, outcome: 'ok' })).toBe(1);
    expect(await counted(ra, 'shoal_cache_factory_calls_total', { ...cache, outcome: 'error' })).toBe(1);
    expect(await counted(rb, 'shoal_cache_hits_total', { ...cache, tier: 'l2' })).toBe(1);
    expect(await counted(rb, 'shoal_cache_hits_total', { ...cache, tier: 'l1' })).toBe(1);
    expect(await counted(rb, 'shoal_cache_factory_calls_total', { ...cache, outcome: 'ok' })).toBe(0);

    const sentBefore = await counted(ra, 'shoal_cache_invalidations_sent_total', { ...cache, via: 'bus' });
    const receivedBefore = await counted(rb, 'shoal_cache_invalidations_received_total', {
      ...cache,
      via: 'bus',
    });
    await a.delete('k');
    expect(await counted(ra, 'shoal_cache_invalidations_sent_total', { ...cache, via: 'bus' })).toBe(
      sentBefore + 1,
    );
    await eventually(
      async () =>
        (await counted(rb, 'shoal_cache_invalidations_received_total', { ...cache, via: 'bus' })) ===
        receivedBefore + 1,
      { what: 'node b counting the invalidation it received' },
    );
    expect((await b.getOrSetDetailed('k', () => 'v2')).servedFrom).toBe('origin');
  });
});
