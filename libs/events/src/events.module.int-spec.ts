import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { ClusterConnections, ClusterModule, ClusterService } from '@shoal/cluster';
import { LeaderModule } from '@shoal/leader';
import { InProcessCluster, RedisClusterServer, eventually, seededRandom } from '@shoal/testing';
import { Cluster, Redis } from 'ioredis';
import pg from 'pg';
import { register } from 'prom-client';
import { z } from 'zod';
import { DeadLetters } from './dead-letters/dead-letters.service.js';
import { OnEvent } from './decorators/on-event.decorator.js';
import { EventPayloadTooLargeError } from './errors/event-payload-too-large.error.js';
import { EventValidationError } from './errors/event-validation.error.js';
import { EventBus } from './event-bus.js';
import { EventBusModule } from './events.module.js';
import { EVENT_TRANSPORT } from './events.constants.js';
import type { EventContext } from './handling/event-context.js';
import { IntegrationEvent } from './integration-event.decorator.js';
import type { EventTransport } from './transport/event-transport.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
let prefix = `t_${Math.random().toString(36).slice(2, 10)}`;

const random = seededRandom(20_261_201);

@IntegrationEvent('test.thing-happened', {
  schema: z.object({ n: z.number().int(), note: z.string().optional() }),
})
class ThingHappened {
  constructor(
    readonly n: number,
    readonly note?: string,
  ) {}
}

@IntegrationEvent('test.step', { schema: z.object({ aggregate: z.string(), seq: z.number().int() }) })
class Step {
  constructor(
    readonly aggregate: string,
    readonly seq: number,
  ) {}
}

@IntegrationEvent('test.poison', { schema: z.object({ n: z.number() }) })
class Poison {
  constructor(readonly n: number) {}
}

@IntegrationEvent('test.once', { schema: z.object({ n: z.number() }) })
class Once {
  constructor(readonly n: number) {}
}

/** Shared across the in-process nodes: what every handler saw. */
const seen = {
  group: [] as number[],
  broadcast: [] as string[],
  steps: new Map<string, number[]>(),
  poison: 0,
  poisonOk: [] as number[],
  /** Event ids the idempotent handler ran for. */
  once: [] as string[],
};
function resetSeen(): void {
  Object.assign(seen, { group: [], broadcast: [], steps: new Map(), poison: 0, poisonOk: [], once: [] });
}

@Injectable()
class Handlers {
  constructor(private readonly cluster: ClusterService) {}

  @OnEvent(ThingHappened)
  onThing(event: ThingHappened): void {
    seen.group.push(event.n);
  }

  @OnEvent(ThingHappened, { scope: 'broadcast' })
  onThingEverywhere(event: ThingHappened, context: EventContext): void {
    seen.broadcast.push(`${this.cluster.self.id}:${event.n}:${context.envelope.id}`);
  }

  @OnEvent(Step, { concurrency: 1 })
  async onStep(event: Step): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, random.between(0, 3)));
    const list = seen.steps.get(event.aggregate) ?? [];
    list.push(event.seq);
    seen.steps.set(event.aggregate, list);
  }

  @OnEvent(Poison, { maxAttempts: 3, backoff: { initialDelay: 10, maxDelay: 20 } })
  onPoison(event: Poison): void {
    if (event.n < 0) {
      seen.poison += 1;
      throw new Error('negative numbers are poison');
    }
    seen.poisonOk.push(event.n);
  }
}

/** Handlers that need Redis (idempotency keys). */
@Injectable()
class RedisHandlers {
  @OnEvent(Once, { idempotent: 'redis' })
  onOnce(_event: Once, context: EventContext): void {
    seen.once.push(context.envelope.id);
  }
}

@Module({})
class EventsTestModule {}

type Backend = 'redis' | 'redis-cluster' | 'postgres';

/** Where Redis is for a backend: the shared server, a private Redis Cluster's seed nodes, or none. */
type RedisOption = string | { cluster: { host: string; port: number }[] } | undefined;

function nodeOn(backend: Backend, redis: RedisOption) {
  return (index: number): DynamicModule => ({
    module: EventsTestModule,
    imports: [
      ClusterModule.forRoot({
        ...(redis ? { redis } : { store: 'postgres' as const }),
        postgres: DATABASE_URL,
        prefix,
        nodeId: `e${index}`,
        heartbeatInterval: 200,
        failureTimeout: 1000,
      }),
      LeaderModule.forRoot({ leaseTtl: 1000 }),
      EventBusModule.forRoot({
        maxPayloadBytes: 10_000,
        relay: { pollInterval: 200 },
        log: { pollInterval: 200 },
      }),
    ],
    providers: backend === 'postgres' ? [Handlers] : [Handlers, RedisHandlers],
  });
}

const backends: [string, Backend][] = [
  ['Redis Streams + Postgres outbox', 'redis'],
  ['Redis Streams on a Redis Cluster (3 masters) + Postgres outbox', 'redis-cluster'],
  ['Postgres alone (event log)', 'postgres'],
];

describe.each(backends)('EventBusModule on %s (3 in-process nodes)', (_, backend) => {
  let group: InProcessCluster;
  let bus: EventBus;
  let db: pg.Pool;
  let redisCluster: RedisClusterServer | undefined;
  /** A client of this backend's Redis, for the tests' own looks at the streams. */
  const redisClient = (): Redis | Cluster =>
    redisCluster ? new Cluster(redisCluster.seeds) : new Redis(REDIS_URL);

  beforeAll(async () => {
    prefix = `t_${Math.random().toString(36).slice(2, 10)}`;
    resetSeen();
    if (backend === 'redis-cluster') redisCluster = await RedisClusterServer.start();
    const redis: RedisOption =
      backend === 'redis' ? REDIS_URL : redisCluster ? { cluster: redisCluster.seeds } : undefined;
    group = await InProcessCluster.start(3, nodeOn(backend, redis));
    bus = group.nodes[0].app.get(EventBus);
    db = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  }, 120_000);

  afterAll(async () => {
    await group.close();
    if (redisCluster) await redisCluster.stop();
    else {
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    }
    await db.query(`DROP SCHEMA IF EXISTS "${prefix}" CASCADE`);
    await db.end();
  }, 60_000);

  /** Whether the group has nothing delivered but not done (so nothing can come again). */
  async function nothingPending(group: string, type: string): Promise<boolean> {
    if (backend === 'postgres') {
      const rows = await db.query(
        `SELECT count(*)::int AS n FROM "${prefix}".event_claims WHERE group_name = $1 AND NOT done`,
        [group],
      );
      return rows.rows[0].n === 0;
    }
    const redis = redisClient();
    try {
      const [pending] = (await redis.xpending(`${prefix}:events:{${type}}`, group)) as [number];
      return pending === 0;
    } finally {
      redis.disconnect();
    }
  }

  /** Deliveries of `handler` counted with `outcome` so far (every node of this process shares the registry). */
  async function outcomes(handler: string, outcome: string): Promise<number> {
    const metric = await register.getSingleMetric('shoal_events_handled_total')?.get();
    return (
      metric?.values.find((v) => v.labels.handler === handler && v.labels.outcome === outcome)?.value ?? 0
    );
  }

  it('delivers a direct publish once per group handler and once per node to a broadcast handler', async () => {
    const [envelope] = await bus.publish(new ThingHappened(1));
    await eventually(
      () => seen.group.includes(1) && seen.broadcast.filter((b) => b.endsWith(envelope.id)).length === 3,
    );
    // Done with nothing pending in the group: it cannot be delivered again.
    await eventually(() => nothingPending('Handlers.onThing', 'test.thing-happened'), {
      what: 'nothing pending in the group',
    });
    expect(seen.group.filter((n) => n === 1)).toHaveLength(1);
    expect(new Set(seen.broadcast.filter((b) => b.endsWith(envelope.id))).size).toBe(3);
  });

  it('publishes through the outbox only when the transaction commits', async () => {
    const dataSource = group.nodes[1].app.get(ClusterConnections).postgres();
    const otherBus = group.nodes[1].app.get(EventBus);
    await dataSource.transaction(async (manager) => {
      await otherBus.publish(new ThingHappened(2), { manager });
    });
    await expect(
      dataSource.transaction(async (manager) => {
        await otherBus.publish(new ThingHappened(3), { manager });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    await eventually(() => seen.group.includes(2), { what: 'the committed event' });
    // The rolled-back event was never written (outbox or, on Postgres alone, the event log), so nothing can ever
    // deliver it; the committed one was published.
    const table = backend === 'postgres' ? 'event_log' : 'outbox';
    const unpublished = backend === 'postgres' ? 'false' : 'published_at IS NULL';
    const counts = async () =>
      (
        await db.query(
          `SELECT count(*) FILTER (WHERE envelope->'payload'->>'n' = '3')::int AS rolled_back,
                  count(*) FILTER (WHERE ${unpublished})::int AS unpublished
           FROM "${prefix}".${table}`,
        )
      ).rows[0] as { rolled_back: number; unpublished: number };
    await eventually(async () => (await counts()).unpublished === 0, { what: 'the outbox relayed' });
    expect((await counts()).rolled_back).toBe(0);
    expect(seen.group).not.toContain(3);
  });

  it('rejects an invalid or oversized payload at publish, writing nothing of the transaction', async () => {
    await expect(bus.publish(new ThingHappened(1.5))).rejects.toBeInstanceOf(EventValidationError);
    const dataSource = group.nodes[0].app.get(ClusterConnections).postgres();
    await dataSource.query(`CREATE TABLE IF NOT EXISTS "${prefix}".notes (body text)`);
    await expect(
      dataSource.transaction(async (manager) => {
        await manager.query(`INSERT INTO "${prefix}".notes VALUES ('should vanish')`);
        await bus.publish(new ThingHappened(4, 'x'.repeat(20_000)), { manager });
      }),
    ).rejects.toBeInstanceOf(EventPayloadTooLargeError);
    const notes = await db.query(`SELECT count(*)::int AS n FROM "${prefix}".notes`);
    expect(notes.rows[0].n).toBe(0);
  });

  it('keeps the order of each aggregate for an ordered (concurrency 1) handler', async () => {
    const aggregates = ['a', 'b', 'c', 'd'];
    const dataSource = group.nodes[2].app.get(ClusterConnections).postgres();
    const buses = group.all(EventBus);
    for (let seq = 1; seq <= 25; seq += 1) {
      await Promise.all(
        aggregates.map((aggregate, i) =>
          dataSource.transaction((manager) =>
            buses[i % 3].publish(new Step(aggregate, seq), { manager, aggregateId: aggregate }),
          ),
        ),
      );
    }
    await eventually(() => aggregates.every((a) => (seen.steps.get(a) ?? []).length >= 25), {
      what: 'all steps',
      timeoutMs: 20_000,
    });
    for (const aggregate of aggregates) {
      const steps = seen.steps.get(aggregate) ?? [];
      expect(steps.slice(0, 25)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    }
  }, 30_000);

  it('dead-letters a poison event after maxAttempts, keeps going, and replays it on demand', async () => {
    await bus.publish(new Poison(-1));
    await bus.publish(new Poison(7));
    await eventually(() => seen.poisonOk.includes(7), { what: 'the next event' });
    const deadLetters = group.nodes[0].app.get(DeadLetters);
    const letters = await eventually(async () => {
      const list = await deadLetters.list({ handler: 'Handlers.onPoison' });
      return list.length === 1 ? list : undefined;
    });
    expect(seen.poison).toBe(3);
    expect(letters[0]).toMatchObject({ attempts: 3, handler: 'Handlers.onPoison' });
    expect(letters[0].error).toMatch(/negative numbers are poison/);

    expect(await deadLetters.replay(letters[0].id)).toBe(true);
    await eventually(() => seen.poison === 6, { what: 'the replayed attempts' });
    await eventually(async () => (await deadLetters.list({ handler: 'Handlers.onPoison' })).length === 1);
  }, 20_000);

  it('dead-letters a payload that fails validation on receipt at once, without stalling the group', async () => {
    const transport = group.nodes[0].app.get<EventTransport>(EVENT_TRANSPORT);
    await transport.publish([
      {
        id: '0190b6a0-0000-7000-8000-000000000001',
        type: 'test.poison',
        version: 1,
        occurredAt: new Date().toISOString(),
        source: 'somewhere',
        correlationId: 'c',
        headers: {},
        payload: { n: 'not a number' },
      },
    ]);
    await bus.publish(new Poison(8));
    await eventually(() => seen.poisonOk.includes(8));
    const deadLetters = group.nodes[1].app.get(DeadLetters);
    await eventually(async () =>
      (await deadLetters.list({ handler: 'Handlers.onPoison' })).some(
        (l) => l.attempts === 0 && /n: /.test(l.error),
      ),
    );
  });

  // Idempotency keys live in Redis: on Postgres alone handlers use `idempotent: 'postgres'` (the inbox).
  if (backend !== 'postgres')
    it('skips a second delivery of an event it handled (idempotency keys in Redis)', async () => {
      const transport = group.nodes[0].app.get<EventTransport>(EVENT_TRANSPORT);
      const duplicatesBefore = await outcomes('RedisHandlers.onOnce', 'duplicate');
      const [envelope] = await bus.publish(new Once(1));
      await eventually(() => seen.once.includes(envelope.id), { what: 'the first delivery handled' });
      await transport.publish([envelope]); // the same event again, as a redelivery brings it
      await eventually(async () => (await outcomes('RedisHandlers.onOnce', 'duplicate')) > duplicatesBefore, {
        what: 'the second delivery recognised as a duplicate',
      });
      await eventually(() => nothingPending('RedisHandlers.onOnce', 'test.once'), {
        what: 'nothing pending',
      });
      expect(seen.once.filter((id) => id === envelope.id)).toHaveLength(1);
    });
});
