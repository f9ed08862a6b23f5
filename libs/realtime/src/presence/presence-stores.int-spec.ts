import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { MemoryPresenceHub, MemoryPresenceStore } from './memory-presence.store.js';
import { PostgresPresenceStore } from './postgres-presence.store.js';
import { presenceStoreContract } from './presence-store.contract-spec.js';
import { RedisPresenceStore } from './redis-presence.store.js';

const namespace = () => `t_${Math.random().toString(36).slice(2, 10)}`;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

presenceStoreContract('memory', async () => ({
  store: new MemoryPresenceStore(new MemoryPresenceHub()),
  dispose: async () => undefined,
}));

presenceStoreContract('redis', async () => {
  const prefix = namespace();
  const redis = new Redis(REDIS_URL);
  return {
    store: new RedisPresenceStore(redis, prefix),
    dispose: async () => {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    },
  };
});

presenceStoreContract('postgres', async () => {
  const schema = namespace();
  const dataSource = await new DataSource({
    type: 'postgres',
    url: DATABASE_URL,
    extra: { max: 3 },
  }).initialize();
  return {
    store: new PostgresPresenceStore(dataSource, schema),
    dispose: async () => {
      await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await dataSource.destroy();
    },
  };
});
