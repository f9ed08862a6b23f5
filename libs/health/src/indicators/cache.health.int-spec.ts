import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CacheModule } from '@shoal/cache';
import { ClusterModule } from '@shoal/cluster';
import { RedisServer, TcpProxy, eventually } from '@shoal/testing';
import { HealthModule } from '../health.module.js';
import { CacheHealthIndicator } from './cache.health.js';

interface Detail {
  status: string;
  details: Record<string, { status: string; message?: string; provider?: string; bus?: string }>;
}

describe('CacheHealthIndicator: up while the cache bus listens, down while it is cut off', () => {
  let redis: RedisServer;
  let proxy: TcpProxy;
  let app: INestApplication;
  let base: string;

  const cacheDetail = async () => {
    const response = await fetch(`${base}/health`);
    return ((await response.json()) as Detail).details.cache;
  };

  beforeAll(async () => {
    redis = await RedisServer.start({ persistent: false });
    proxy = await TcpProxy.start(Number(new URL(redis.url).port));
    const moduleRef = await Test.createTestingModule({
      imports: [
        ClusterModule.forRoot({ redis: `redis://127.0.0.1:${proxy.port}`, nodeId: 'cache-health' }),
        CacheModule.forRoot({ provider: 'redis' }),
        HealthModule.forRoot({ drainDelay: 0, timeout: 500 }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: ['error'] });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  }, 30_000);

  afterAll(async () => {
    proxy?.restore();
    await app?.close();
    await proxy?.close();
    await redis?.destroy();
  });

  it('GET /health reports the cache up with its provider and bus', async () => {
    expect(await cacheDetail()).toMatchObject({
      status: 'up',
      provider: 'redis',
      bus: 'redis',
      l1Entries: 0,
    });
  });

  it('reports down while the bus connection is cut, with why, and up once it listens again', async () => {
    const indicator = app.get(CacheHealthIndicator);
    proxy.cut();
    await eventually(async () => (await indicator.isHealthy()).cache.status === 'down', {
      what: 'the cache down while cut off',
      timeoutMs: 10_000,
    });
    expect(await cacheDetail()).toMatchObject({
      status: 'down',
      message: expect.stringContaining('not receiving invalidations'),
    });
    proxy.restore();
    await eventually(async () => (await indicator.isHealthy()).cache.status === 'up', {
      what: 'the cache up after the bus is back',
      timeoutMs: 15_000,
    });
  });
});
