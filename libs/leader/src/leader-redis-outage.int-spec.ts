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

  it('the leader steps down within the TTL, and a leader with a higher fencing token is back once Redis returns empty', async () => {
    const services = group.all(LeaderService);
    await eventually(() => services.filter((s) => s.isLeader()).length === 1, { what: 'one leader' });
    const tokenBefore = services.find((s) => s.isLeader())!.token()!;

    await redis.kill();
    const stoppedAt = Date.now();
    await eventually(() => services.every((s) => !s.isLeader()), { what: 'demotion', timeoutMs: 3000 });
    expect(Date.now() - stoppedAt).toBeLessThanOrEqual(TTL);

    await redis.restart(); // empty: the lease and its epoch counter are gone
    await eventually(() => services.filter((s) => s.isLeader()).length === 1, {
      what: 'a leader after Redis returned',
      timeoutMs: 15_000,
    });
    // Fencing tokens keep growing although Redis forgot every earlier one.
    expect(services.find((s) => s.isLeader())!.token()!).toBeGreaterThan(tokenBefore);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(services.filter((s) => s.isLeader())).toHaveLength(1);
  }, 30_000);
});
