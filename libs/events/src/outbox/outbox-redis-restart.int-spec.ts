import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import { ClusterConnections, ClusterModule } from '@shoal/cluster';
import { InProcessCluster, RedisServer, eventually } from '@shoal/testing';
import pg from 'pg';
import { z } from 'zod';
import { OnEvent } from '../decorators/on-event.decorator.js';
import { EventBus } from '../event-bus.js';
import { EventBusModule } from '../events.module.js';
import type { EventContext } from '../handling/event-context.js';
import { IntegrationEvent } from '../integration-event.decorator.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const prefix = `t_${Math.random().toString(36).slice(2, 10)}`;

@IntegrationEvent('test.restart-survivor', { schema: z.object({ n: z.number().int() }) })
class Survivor {
  constructor(readonly n: number) {}
}

const handled = new Set<string>();

@Injectable()
class SurvivorHandler {
  @OnEvent(Survivor)
  handle(_event: Survivor, { envelope }: EventContext): void {
    handled.add(envelope.id);
  }
}

@Module({})
class RestartTestModule {}

describe('the outbox across a Redis restart', () => {
  let redis: RedisServer;
  let group: InProcessCluster;

  beforeAll(async () => {
    redis = await RedisServer.start({ persistent: true });
    group = await InProcessCluster.start(2, (i) => ({
      module: RestartTestModule,
      imports: [
        ClusterModule.forRoot({ redis: redis.url, postgres: DATABASE_URL, prefix, nodeId: `r${i}` }),
        EventBusModule.forRoot({ relay: { pollInterval: 200 } }),
      ],
      providers: [SurvivorHandler],
    }));
  }, 30_000);

  afterAll(async () => {
    // Bounded: this suite's subject is delivery, not shutdown (shutdown is covered elsewhere).
    await Promise.race([group?.close(), new Promise((resolve) => setTimeout(resolve, 10_000))]);
    await redis?.destroy();
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${prefix}" CASCADE`);
    await client.end();
  });

  it('keeps publishing into the outbox while Redis is down and delivers every event after it is back', async () => {
    const bus = group.nodes[0].app.get(EventBus);
    const dataSource = group.nodes[0].app.get(ClusterConnections).postgres();
    const ids: string[] = [];
    const publish = async (from: number, to: number) => {
      for (let n = from; n < to; n += 1) {
        const [envelope] = await dataSource.transaction((manager) =>
          bus.publish(new Survivor(n), { manager }),
        );
        ids.push(envelope.id);
      }
    };
    await publish(0, 100);
    await redis.kill();
    await publish(100, 200); // the outbox does not need Redis: these commit and wait
    const unpublished = await dataSource.query(
      `SELECT count(*)::int AS n FROM "${prefix}".outbox WHERE published_at IS NULL`,
    );
    expect(unpublished[0].n).toBeGreaterThan(0);
    // The outage lasts a while (relay passes fail meanwhile); this is the scenario, not a wait for an outcome.
    await new Promise((r) => setTimeout(r, 1000));
    await redis.restart();
    await publish(200, 300);
    await eventually(() => ids.every((id) => handled.has(id)), {
      what: 'all 300 events handled',
      timeoutMs: 30_000,
    });
  }, 60_000);
});
