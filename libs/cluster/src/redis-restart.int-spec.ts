import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Module } from '@nestjs/common';
import { InProcessCluster, RedisServer, eventually } from '@shoal/testing';
import { Redis } from 'ioredis';
import { ClusterModule } from './cluster.module.js';
import { ClusterService } from './cluster.service.js';

@Module({})
class RestartNodeModule {}

describe('Redis membership across a Redis restart', () => {
  let redis: RedisServer;
  let cluster: InProcessCluster;

  beforeAll(async () => {
    redis = await RedisServer.start();
    cluster = await InProcessCluster.start(3, (index) => ({
      module: RestartNodeModule,
      imports: [
        ClusterModule.forRoot({
          redis: redis.url,
          nodeId: `restart-${index}`,
          heartbeatInterval: 200,
          failureTimeout: 1000,
        }),
      ],
    }));
  }, 30_000);

  afterAll(async () => {
    await cluster?.close();
    await redis?.stop();
  });

  it('recovers full membership without restarting the nodes', async () => {
    const services = cluster.all(ClusterService);
    await eventually(() => services.every((s) => s.size === 3), { what: 'initial membership' });

    await redis.stop(); // all data is gone: nothing is persisted
    // Heartbeats fail from now on: past the failure timeout, no node counts itself registered.
    await eventually(() => services.every((s) => !s.registered), { what: 'every node unregistered' });
    await redis.restart();

    await eventually(() => services.every((s) => s.size === 3 && s.registered), {
      timeoutMs: 15_000,
      what: 'membership after the restart',
    });
    const client = new Redis(redis.url);
    try {
      expect((await client.zrange('shoal:{cluster}:members', '0', '-1')).sort()).toEqual([
        'restart-0',
        'restart-1',
        'restart-2',
      ]);
    } finally {
      await client.quit();
    }
  }, 30_000);
});
