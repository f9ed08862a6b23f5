import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Module } from '@nestjs/common';
import { InProcessCluster, RedisServer, eventually } from '@shoal/testing';
import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClusterModule } from './cluster.module.js';
import { ClusterService } from './cluster.service.js';
import type { MembershipEvent } from './membership/membership-event.js';
import { RedisMembershipStore } from './membership/redis-membership.store.js';

@Module({})
class RestartNodeModule {}

describe('Redis membership when Redis loses its data', () => {
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

  it('reports no live member leaving on FLUSHALL; one that does not beat again leaves after the rebuild', async () => {
    const services = cluster.all(ClusterService);
    await eventually(() => services.every((s) => s.size === 3), { what: 'initial membership' });
    // A fourth member that beats until the data is lost, then never again (it died at that moment).
    const client = new Redis(redis.url);
    const ghost = new RedisMembershipStore(client, 'shoal');
    const ghostInfo = { ...services[0].self, id: 'ghost', incarnation: 'ghost-1', metadata: {} };
    let ghostAlive = true;
    const ghostBeats = (async () => {
      while (ghostAlive) {
        await ghost.beat(ghostInfo, 1000);
        await sleep(100);
      }
    })();
    try {
      await eventually(() => services.every((s) => s.size === 4), { what: 'the ghost joined' });
      const events: MembershipEvent[][] = services.map(() => []);
      const subscriptions = services.map((s, i) => s.events$.subscribe((e) => events[i].push(e)));
      ghostAlive = false;
      await ghostBeats;
      await client.flushall();

      await eventually(() => services.every((s) => !s.isMember('ghost')), {
        timeoutMs: 15_000,
        what: 'the ghost left',
      });
      for (const subscription of subscriptions) subscription.unsubscribe();
      const lefts = events.map((seen) => seen.filter((e) => e.type === 'left').map((e) => e.member.id));
      expect(lefts).toEqual([['ghost'], ['ghost'], ['ghost']]);
      expect(services.map((s) => s.members().map((m) => m.id))).toEqual(
        services.map(() => ['restart-0', 'restart-1', 'restart-2']),
      );
    } finally {
      ghostAlive = false;
      await client.quit();
    }
  }, 30_000);

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
