import { afterAll, afterEach, describe, expect, it, jest } from '@jest/globals';
import { Injectable, Logger, Module, Scope, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { InProcessCluster, eventually } from '@shoal/testing';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Registry } from 'prom-client';
import { ClusterModule } from './cluster.module.js';
import type { ClusterModuleOptions } from './cluster-options.js';
import { ClusterService, type ShardsChangedEvent } from './cluster.service.js';
import { ClusterConnections } from './connections/cluster-connections.js';
import { OnNodeJoined, OnNodeLeft, OnShardsChanged } from './decorators/membership.decorators.js';
import { MemoryMembershipHub } from './membership/memory-membership.hub.js';
import type { MembershipEvent } from './membership/membership-event.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const prefix = () => `t_${Math.random().toString(36).slice(2, 10)}`;

@Injectable()
class Recorder {
  readonly seen: string[] = [];
  readonly shards: ShardsChangedEvent[] = [];

  @OnNodeJoined()
  joined(event: MembershipEvent): void {
    this.seen.push(`joined:${event.member.id}`);
  }

  @OnNodeLeft()
  left(event: MembershipEvent): void {
    this.seen.push(`left:${event.member.id}`);
  }

  @OnShardsChanged()
  shardsChanged(event: ShardsChangedEvent): void {
    this.shards.push(event);
  }
}

@Module({})
class TestNodeModule {}

function nodeModule(options: ClusterModuleOptions): (index: number) => DynamicModule {
  return (index) => ({
    module: TestNodeModule,
    imports: [
      ClusterModule.forRoot({
        heartbeatInterval: 100,
        failureTimeout: 1000,
        ...options,
        nodeId: `node-${index}`,
      }),
    ],
    providers: [Recorder],
  });
}

const keys = Array.from({ length: 10_000 }, (_, i) => `key-${i}`);

async function expectAgreementOnOwners(services: ClusterService[]): Promise<void> {
  for (const key of keys) {
    const owner = services[0].ownerOf(key);
    for (const service of services) if (service.ownerOf(key) !== owner) throw new Error(`disagree on ${key}`);
  }
}

@Injectable({ scope: Scope.REQUEST })
class PerRequest {
  @OnNodeJoined()
  joined(): void {}
}

describe('ClusterModule (in-process nodes)', () => {
  let cluster: InProcessCluster | undefined;
  /** Postgres schemas the tests created, dropped at the end. */
  const schemas = {
    names: [] as string[],
    add(name: string): string {
      this.names.push(name);
      return name;
    },
  };

  afterAll(async () => {
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    for (const name of schemas.names) await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    await client.end();
  });

  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it.each([
    ['memory', () => ({ store: 'memory' as const, memoryHub: new MemoryMembershipHub() })],
    ['redis', () => ({ redis: REDIS_URL, prefix: prefix() })],
  ])(
    'forms a cluster on the %s store, runs the decorators and agrees on every shard owner',
    async (_, options) => {
      cluster = await InProcessCluster.start(3, nodeModule(options()));
      const services = cluster.all(ClusterService);
      await eventually(() => services.every((s) => s.size === 3), { what: 'all nodes see 3 members' });
      expect(services[0].members().map((m) => m.id)).toEqual(['node-0', 'node-1', 'node-2']);
      expect(services.every((s) => s.registered)).toBe(true);
      await expectAgreementOnOwners(services);
      const owned = new Set(keys.map((k) => services[0].ownerOf(k)));
      expect(owned).toEqual(new Set(['node-0', 'node-1', 'node-2']));

      const recorders = cluster.all(Recorder);
      for (const r of recorders) {
        expect(r.seen).toEqual(expect.arrayContaining(['joined:node-0', 'joined:node-1', 'joined:node-2']));
      }

      await cluster.nodes[2].close();
      const survivors = cluster.all(ClusterService);
      await eventually(() => survivors.every((s) => s.size === 2), { what: 'survivors see the leave' });
      for (const r of cluster.all(Recorder)) {
        expect(r.seen).toContain('left:node-2');
        expect(r.shards.at(-1)?.members).toEqual(['node-0', 'node-1']);
      }
      await expectAgreementOnOwners(survivors);
      expect(keys.some((k) => survivors[0].ownerOf(k) === 'node-2')).toBe(false);
    },
  );

  it.each([
    ['redis', () => ({ redis: REDIS_URL, prefix: prefix() })],
    ['postgres', () => ({ postgres: DATABASE_URL, prefix: schemas.add(prefix()) })],
  ])(
    'on the %s store, a join and a leave reach the other nodes as notices carrying the change, applied without a read',
    async (_, options) => {
      const shared = { ...options(), heartbeatInterval: 1000, failureTimeout: 5000 };
      const registries = [0, 1, 2, 3].map(() => new Registry());
      const node = (index: number) => nodeModule({ ...shared, metricsRegistry: registries[index] })(index);
      const appliedNotices = async (index: number) => {
        const metric = await registries[index].getSingleMetric('shoal_cluster_view_updates_total')?.get();
        return metric?.values.find((v) => v.labels.via === 'notice')?.value ?? 0;
      };
      cluster = await InProcessCluster.start(3, node);
      const services = cluster.all(ClusterService);
      await eventually(() => services.every((s) => s.size === 3), { what: 'all nodes see 3 members' });
      const before = await Promise.all([0, 1, 2].map(appliedNotices));

      const joiner = await InProcessCluster.start(1, () => node(3));
      let afterJoin: number[];
      try {
        await eventually(() => services.every((s) => s.isMember('node-3')), { what: 'all nodes see node-3' });
        afterJoin = await Promise.all([0, 1, 2].map(appliedNotices));
        for (const i of [0, 1, 2]) expect(afterJoin[i]).toBeGreaterThan(before[i]);
        const joined = services[0].members().find((m) => m.id === 'node-3');
        expect(joined).toMatchObject({ id: 'node-3', pid: process.pid });
      } finally {
        await joiner.close();
      }
      await eventually(() => services.every((s) => !s.isMember('node-3')), {
        what: 'all nodes see node-3 leave',
      });
      const afterLeave = await Promise.all([0, 1, 2].map(appliedNotices));
      for (const i of [0, 1, 2]) expect(afterLeave[i]).toBeGreaterThan(afterJoin[i]);
    },
  );

  it('refuses bad options at start-up, naming the option', async () => {
    const start = NestFactory.createApplicationContext(
      {
        module: TestNodeModule,
        imports: [ClusterModule.forRoot({ redis: REDIS_URL, heartbeatInterval: 2000 })],
      },
      { logger: false, abortOnError: false },
    );
    await expect(start).rejects.toThrow(
      /`heartbeatInterval` \(2000 ms\) must be at most half of failureTimeout/,
    );
  });

  it('forRootAsync validates the options the factory returns', async () => {
    const start = NestFactory.createApplicationContext(
      {
        module: TestNodeModule,
        imports: [ClusterModule.forRootAsync({ useFactory: () => ({ redis: 'localhost:6379' }) })],
      },
      { logger: false, abortOnError: false },
    );
    await expect(start).rejects.toThrow(/`redis`/);
  });

  it('refuses the memory store with NODE_ENV=production unless allowed', async () => {
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      const start = NestFactory.createApplicationContext(
        { module: TestNodeModule, imports: [ClusterModule.forRoot({ store: 'memory' })] },
        { logger: false, abortOnError: false },
      );
      await expect(start).rejects.toThrow(/refuses to start with NODE_ENV=production/);
    } finally {
      process.env.NODE_ENV = previous;
    }
  });

  it("closes only what it created: the app's own Redis stays open", async () => {
    const redis = new Redis(REDIS_URL);
    const metricsRegistry = new Registry();
    cluster = await InProcessCluster.start(1, nodeModule({ redis, prefix: prefix(), metricsRegistry }));
    const service = cluster.all(ClusterService)[0];
    expect(cluster.nodes[0].app.get(ClusterConnections).redis()).toBe(redis);
    expect(await metricsRegistry.getSingleMetricAsString('shoal_cluster_members')).toMatch(
      /shoal_cluster_members 1/,
    );
    expect(service.size).toBe(1);
    await cluster.close();
    expect(await redis.ping()).toBe('PONG');
    await redis.quit();
  });

  it('warns at start-up that a Shoal decorator on a request-scoped provider is ignored', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      cluster = await InProcessCluster.start(1, (index) => ({
        ...nodeModule({ store: 'memory', memoryHub: new MemoryMembershipHub() })(index),
        providers: [PerRequest],
      }));
      expect(warn.mock.calls.map((c) => String(c[0]))).toContainEqual(
        expect.stringMatching(
          /@OnNodeJoined\(\) on PerRequest\.joined is ignored: PerRequest is request-scoped/,
        ),
      );
    } finally {
      warn.mockRestore();
    }
  });
});
