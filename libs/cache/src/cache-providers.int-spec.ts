import { Module } from '@nestjs/common';
import { ClusterConnections, ClusterModule, type ClusterModuleOptions } from '@shoal/cluster';
import { InProcessCluster } from '@shoal/testing';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Registry } from 'prom-client';
import { cacheContract, type CacheFixture } from './cache.contract-spec.js';
import { CacheModule } from './cache.module.js';
import type { CacheModuleOptions } from './cache-options.js';
import { CacheService } from './cache.service.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

@Module({})
class CacheTestModule {}

async function twoNodes(
  cluster: (prefix: string) => ClusterModuleOptions,
  cache: CacheModuleOptions,
  publishRaw: (prefix: string, text: string) => Promise<void>,
): Promise<CacheFixture> {
  const prefix = `t_${Math.random().toString(36).slice(2, 10)}`;
  const registry = new Registry();
  const group = await InProcessCluster.start(2, (i) => ({
    module: CacheTestModule,
    imports: [
      ClusterModule.forRoot({ ...cluster(prefix), prefix, nodeId: `c${i}`, metricsRegistry: registry }),
      CacheModule.forRoot(cache),
    ],
  }));
  const [a, b] = group.all(CacheService);
  return {
    a,
    b,
    shared: cache.provider === 'redis',
    publishRaw: (text) => publishRaw(prefix, text),
    async dispose() {
      const connections = group.nodes[0].app.get(ClusterConnections);
      if (connections.hasRedis) {
        const redis = connections.redis();
        const keys = await redis.keys(`${prefix}:*`);
        if (keys.length > 0) await redis.del(...keys);
      }
      if (connections.hasPostgres)
        await connections.postgres().query(`DROP SCHEMA IF EXISTS "${prefix}" CASCADE`);
      await group.close();
    },
  };
}

async function publishOnRedis(prefix: string, text: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    await redis.publish(`${prefix}:cache:default:bus`, text);
  } finally {
    await redis.quit();
  }
}

async function notifyOnPostgres(prefix: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query('SELECT pg_notify($1, $2)', [`${prefix}_cache_default`, text]);
  } finally {
    await client.end();
  }
}

cacheContract('redis provider (L1 + L2 + Redis bus)', () =>
  twoNodes(() => ({ redis: REDIS_URL }), { provider: 'redis' }, publishOnRedis),
);

cacheContract('local provider with the Redis bus', () =>
  twoNodes(() => ({ redis: REDIS_URL }), { provider: 'local' }, publishOnRedis),
);

cacheContract('local provider on a Postgres-only cluster (NOTIFY bus)', () =>
  twoNodes(() => ({ postgres: DATABASE_URL, store: 'postgres' }), {}, notifyOnPostgres),
);
