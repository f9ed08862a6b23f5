import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClusterConnections, ClusterModule, ClusterService } from '@shoal/cluster';
import { LeaderModule, LeaderService } from '@shoal/leader';
import { eventually } from '@shoal/testing';
import { Redis } from 'ioredis';
import pg from 'pg';
import { z } from 'zod';
import { OnEvent } from './decorators/on-event.decorator.js';
import { EventBus } from './event-bus.js';
import { EventBusModule } from './events.module.js';
import { IntegrationEvent } from './integration-event.decorator.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const prefix = `t_${Math.random().toString(36).slice(2, 10)}`;

@IntegrationEvent('test.not-global', { schema: z.object({ n: z.number() }) })
class Numbered {
  constructor(readonly n: number) {}
}

const cluster = ClusterModule.forRoot({
  redis: REDIS_URL,
  postgres: DATABASE_URL,
  prefix,
  nodeId: 'solo',
  isGlobal: false,
});
const leader = LeaderModule.forRoot({ isGlobal: false, imports: [cluster] });
const events = EventBusModule.forRoot({ isGlobal: false, imports: [cluster, leader] });

@Injectable()
class Numbers {
  readonly seen: number[] = [];

  constructor(
    readonly bus: EventBus,
    readonly connections: ClusterConnections,
  ) {}

  /** Ordered: needs LeaderModule, reached through `imports`. */
  @OnEvent(Numbered, { concurrency: 1 })
  record(event: Numbered): void {
    this.seen.push(event.n);
  }
}

/** A feature module that imports what it injects. */
@Module({ imports: [cluster, events], providers: [Numbers] })
class NumbersModule {}

@Module({ imports: [cluster, leader, events, NumbersModule] })
class NotGlobalApp {}

describe('Shoal modules with isGlobal: false', () => {
  let app: INestApplicationContext | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('work when each module imports what it injects: one cluster, one bus, ordered handlers through LeaderModule', async () => {
    app = await NestFactory.createApplicationContext(NotGlobalApp, { logger: ['error'] });
    const numbers = app.get(Numbers);
    // One instance of each, shared by every importer.
    expect(app.select(NumbersModule).get(ClusterService)).toBe(app.get(ClusterService));
    expect(numbers.bus).toBe(app.get(EventBus, { strict: false }));
    await numbers.connections.postgres().transaction((manager) =>
      numbers.bus.publish(
        [1, 2, 3].map((n) => new Numbered(n)),
        { manager },
      ),
    );
    await eventually(() => numbers.seen.length === 3, {
      what: 'the three events handled',
      timeoutMs: 15_000,
    });
    expect(numbers.seen).toEqual([1, 2, 3]);
    expect(app.get(LeaderService, { strict: false }).isLeader()).toBe(true);

    await app.close();
    app = undefined;
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${prefix}" CASCADE`);
    await client.end();
  });

  it('an ordered handler in an EventBusModule that cannot see LeaderModule stops start-up saying what to import', async () => {
    const withoutLeader = EventBusModule.forRoot({ isGlobal: false, imports: [cluster] });
    @Module({ imports: [cluster, withoutLeader], providers: [Numbers] })
    class Forgetful {}
    await expect(
      NestFactory.createApplicationContext(Forgetful, { logger: false, abortOnError: false }),
    ).rejects.toThrow(
      /Numbers\.record: ordered handlers \(concurrency 1\) need LeaderModule: import LeaderModule/,
    );
  });
});
