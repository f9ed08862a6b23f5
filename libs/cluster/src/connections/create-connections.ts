import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { DataSource } from 'typeorm';
import type {
  PostgresConnectionOption,
  RedisClusterConnectionOptions,
  RedisConnectionOption,
} from '../cluster-options.js';
import type { RedisClient } from '../redis/redis-client.js';
import { ClusterConnections } from './cluster-connections.js';
import { isDataSource } from './is-data-source.js';

function isClusterSeed(option: RedisConnectionOption): option is RedisClusterConnectionOptions {
  return typeof option === 'object' && 'cluster' in option && Array.isArray(option.cluster);
}

function openRedis(
  option: RedisConnectionOption,
  connectionName: string,
): { client: RedisClient; owned: boolean } {
  if (option instanceof Redis || option instanceof Cluster) return { client: option, owned: false };
  if (typeof option === 'string') return { client: new Redis(option, { connectionName }), owned: true };
  if (isClusterSeed(option)) {
    const redisOptions = { connectionName, ...(option.options?.redisOptions ?? {}) };
    return { client: new Cluster(option.cluster, { ...option.options, redisOptions }), owned: true };
  }
  return { client: new Redis({ connectionName, ...(option as RedisOptions) }), owned: true };
}

async function openPostgres(
  option: PostgresConnectionOption,
  applicationName: string,
): Promise<{ dataSource: DataSource; owned: boolean }> {
  if (isDataSource(option)) {
    if (!option.isInitialized) await option.initialize();
    return { dataSource: option, owned: false };
  }
  // Loaded only when Postgres is configured: a Redis-only app never pays for typeorm and pg.
  const { DataSource } = await import('typeorm');
  const dataSource = new DataSource({ type: 'postgres', url: option, applicationName, extra: { max: 5 } });
  await dataSource.initialize();
  return { dataSource, owned: true };
}

/** Opens (or adopts) the connections described by `ClusterModule` options. */
export async function createClusterConnections(options: {
  redis?: RedisConnectionOption;
  postgres?: PostgresConnectionOption;
  nodeId: string;
}): Promise<ClusterConnections> {
  const name = `shoal:${options.nodeId}`;
  const redis = options.redis === undefined ? undefined : openRedis(options.redis, name);
  try {
    const postgres = options.postgres === undefined ? undefined : await openPostgres(options.postgres, name);
    return new ClusterConnections(redis?.client, postgres?.dataSource, {
      redis: redis?.owned ?? false,
      postgres: postgres?.owned ?? false,
    });
  } catch (error) {
    if (redis?.owned) redis.client.disconnect();
    throw error;
  }
}
