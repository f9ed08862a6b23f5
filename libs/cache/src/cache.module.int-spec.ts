import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import { ClusterConnections, ClusterModule } from '@shoal/cluster';
import { InProcessCluster } from '@shoal/testing';
import { CacheModule } from './cache.module.js';
import { CacheService } from './cache.service.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Settings as an app's config service would give them. */
@Injectable()
class Settings {
  readonly cacheProvider = 'local' as const;
}

@Module({ providers: [Settings], exports: [Settings] })
class SettingsModule {}

@Module({})
class AsyncCacheApp {}

describe('CacheModule.forRootAsync', () => {
  const prefix = `t_${Math.random().toString(36).slice(2, 10)}`;
  let group: InProcessCluster;

  beforeAll(async () => {
    group = await InProcessCluster.start(1, (i) => ({
      module: AsyncCacheApp,
      imports: [
        ClusterModule.forRoot({ redis: REDIS_URL, prefix, nodeId: `async${i}` }),
        CacheModule.forRootAsync({
          imports: [SettingsModule],
          inject: [Settings],
          useFactory: (settings: Settings) => ({ provider: settings.cacheProvider, maxEntries: 10 }),
        }),
      ],
    }));
  });

  afterAll(async () => {
    const redis = group.nodes[0].app.get(ClusterConnections).redis();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await group.close();
  });

  it('takes its options from an injected provider: the local provider, bounded by maxEntries', async () => {
    const cache = group.nodes[0].app.get(CacheService);
    expect(cache.status()).toMatchObject({ provider: 'local', bus: 'redis', busListening: true });
    for (let i = 0; i < 15; i += 1) await cache.getOrSet(`k${i}`, () => i);
    expect(cache.status().l1Entries).toBe(10);
    expect(await cache.getOrSetDetailed('k14', () => -1)).toEqual({ value: 14, servedFrom: 'l1' });
  });
});
