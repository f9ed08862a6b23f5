import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Module } from '@nestjs/common';
import { ClusterModule } from '@shoal/cluster';
import { InProcessCluster, RedisServer, eventually } from '@shoal/testing';
import { LeaderModule } from './leader.module.js';
import { LeaderService } from './leader.service.js';

@Module({})
class OutageTestModule {}

const TTL = 1000;

describe('LeaderModule when Redis goes away', () => {
  let redis: RedisServer;
  let group: InProcessCluster;

  beforeAll(async () => {
    redis = await RedisServer.start();
    group = await InProcessCluster.start(3, (i) => ({
      module: OutageTestModule,
      imports: [
        ClusterModule.forRoot({
          redis: redis.url,
          nodeId: `o${i}`,
          heartbeatInterval: 100,
          failureTimeout: 1000,
        }),
        LeaderModule.forRoot({ leaseTtl: TTL, retryInterval: 100 }),
      ],
    }));
  }, 30_000);

  afterAll(async () => {
    await group?.close();
    await redis?.stop();
  });

  it('the leader demotes itself when its lease expires unrenewed, and a leader with a higher fencing token is back once Redis returns empty', async () => {
    const services = group.all(LeaderService);
    await eventually(() => services.filter((s) => s.isLeader()).length === 1, { what: 'one leader' });
    const holder = services.find((s) => s.isLeader())!;
    const tokenBefore = holder.token()!;
    const lost: string[] = [];
    holder.events$.subscribe((event) => {
      if (event.type === 'lost') lost.push(event.reason ?? '');
    });

    await redis.kill();
    await eventually(() => services.every((s) => !s.isLeader()), { what: 'demotion', timeoutMs: 10_000 });
    // It demoted itself when its own deadline (TTL from the last renewal sent) passed: nobody could take it.
    expect(await eventually(() => (lost.length > 0 ? lost : undefined), { what: 'the lost event' })).toEqual([
      'expired',
    ]);

    await redis.restart(); // empty: the lease and its epoch counter are gone
    await eventually(() => services.filter((s) => s.isLeader()).length === 1, {
      what: 'a leader after Redis returned',
      timeoutMs: 15_000,
    });
    // Fencing tokens keep growing although Redis forgot every earlier one.
    const next = services.find((s) => s.isLeader())!;
    expect(next.token()!).toBeGreaterThan(tokenBefore);
    await eventually(() => services.every((s) => s.leader()?.token === next.token()), {
      what: 'every node agrees on the new leader',
      timeoutMs: 15_000,
    });
  }, 30_000);
});
