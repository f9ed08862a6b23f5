import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { leaseStoreContract } from './lease-store.contract-spec.js';
import { PostgresLeaseStore } from './postgres-lease.store.js';
import { RedisLeaseStore } from './redis-lease.store.js';

const namespace = () => `t_${Math.random().toString(36).slice(2, 10)}`;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

leaseStoreContract('redis', async () => {
  const prefix = namespace();
  const redis = new Redis(REDIS_URL);
  return {
    create: async () => new RedisLeaseStore(redis, prefix),
    elapse: (ms) => sleep(ms),
    dispose: async () => {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    },
  };
});

leaseStoreContract('postgres', async () => {
  const schema = namespace();
  const dataSource = await new DataSource({
    type: 'postgres',
    url: DATABASE_URL,
    extra: { max: 10 },
  }).initialize();
  return {
    create: async () => new PostgresLeaseStore(dataSource, schema),
    elapse: (ms) => sleep(ms),
    dispose: async () => {
      await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await dataSource.destroy();
    },
  };
});
