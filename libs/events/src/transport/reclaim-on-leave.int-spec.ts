import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import { ClusterModule, ClusterService } from '@shoal/cluster';
import { RedisMembershipStore, createNodeInfo } from '@shoal/cluster/internal';
import { InProcessCluster, eventually } from '@shoal/testing';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { OnEvent } from '../decorators/on-event.decorator.js';
import { EventBusModule } from '../events.module.js';
import type { EventContext } from '../handling/event-context.js';
import { IntegrationEvent } from '../integration-event.decorator.js';
import { uuidv7 } from '../envelope/uuid-v7.js';
import { streamKey } from './stream-codec.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `t_${Math.random().toString(36).slice(2, 10)}`;
const FAILURE_TIMEOUT = 1000;

@IntegrationEvent('test.orphan', { schema: z.object({ n: z.number() }) })
class Orphan {
  constructor(readonly n: number) {}
}

const handled = new Set<number>();

@Injectable()
class OrphanHandler {
  @OnEvent(Orphan, { group: 'orphans' })
  handle(event: Orphan, _context: EventContext): void {
    handled.add(event.n);
  }
}

@Module({})
class ReclaimTestModule {}

describe('messages claimed by a node that dies', () => {
  let redis: Redis;
  let group: InProcessCluster;
  const ghost = createNodeInfo({ nodeId: 'ghost' });
  const stream = streamKey(prefix, 'test.orphan');

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    // A "ghost" node registers in membership, then takes 5 events from the group and never acknowledges them.
    const membership = new RedisMembershipStore(redis, prefix);
    await membership.beat(ghost, FAILURE_TIMEOUT);
    await redis.xgroup('CREATE', stream, 'orphans', '0', 'MKSTREAM');
    for (let n = 0; n < 5; n += 1) {
      const envelope = {
        id: uuidv7(),
        type: 'test.orphan',
        version: 1,
        occurredAt: new Date().toISOString(),
        source: 'ghost',
        correlationId: 'c',
        headers: {},
        payload: { n },
      };
      await redis.xadd(stream, '*', 'e', JSON.stringify(envelope));
    }
    await redis.xreadgroup('GROUP', 'orphans', 'ghost', 'COUNT', 5, 'STREAMS', stream, '>');
    group = await InProcessCluster.start(2, (i) => ({
      module: ReclaimTestModule,
      imports: [
        ClusterModule.forRoot({
          redis: REDIS_URL,
          prefix,
          nodeId: `live-${i}`,
          heartbeatInterval: 200,
          failureTimeout: FAILURE_TIMEOUT,
        }),
        EventBusModule.forRoot({ streams: { claimIdleTime: 600_000 } }),
      ],
      providers: [OrphanHandler],
    }));
  }, 30_000);

  afterAll(async () => {
    await group?.close();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('are taken over as soon as membership reports the node gone, not after the idle timeout', async () => {
    const clusters = group.all(ClusterService);
    await eventually(() => clusters.every((c) => c.isMember('ghost')), { what: 'the ghost is a member' });
    expect(handled.size).toBe(0); // pending on a live member: left alone
    await eventually(() => !clusters[0].isMember('ghost'), { what: 'the ghost removed', timeoutMs: 5000 });
    // claimIdleTime is 10 minutes: handled within this test's bounds, they can only have been taken over through
    // membership.
    await eventually(() => handled.size === 5, { what: 'the 5 orphans handled', timeoutMs: 5000 });
    const pending = (await redis.xpending(stream, 'orphans')) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
  }, 20_000);
});
