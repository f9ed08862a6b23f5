import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { DataSource } from 'typeorm';
import type {
  PostgresConnectionOption,
  RedisClusterConnectionOptions,
  RedisConnectionOption,
} from '../cluster-options.js';
import { dropConnection } from '../redis/close-connection.js';
import { RedisAvailability } from '../redis/redis-availability.js';
import type { RedisClient } from '../redis/redis-client.js';
import { ClusterConnections } from './cluster-connections.js';
import { isDataSource } from './is-data-source.js';
import { initializeWithRetry, waitForRedis } from './wait-for-stores.js';
import { poolOfDataSource } from '../postgres/data-source-pool.js';
import { guardPoolClients } from '../postgres/pool-client-errors.js';

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

/** Where a Redis connection points, for log lines and errors (never a password). */
export function describeRedis(client: RedisClient): string {
  if (client instanceof Cluster) return 'Redis Cluster';
  const { host, port, sentinels, name } = client.options;
  return sentinels?.length ? `sentinel master "${name}"` : `${host ?? '127.0.0.1'}:${port ?? 6379}`;
}

function describePostgres(option: PostgresConnectionOption): string {
  if (typeof option !== 'string') return 'the given DataSource';
  try {
    const url = new URL(option);
    return `${url.hostname}:${url.port || 5432}${url.pathname}`;
  } catch {
    return 'the postgres URL';
  }
}

async function openPostgres(
  option: PostgresConnectionOption,
  applicationName: string,
  startupTimeout: number,
): Promise<{ dataSource: DataSource; owned: boolean }> {
  const where = describePostgres(option);
  if (isDataSource(option)) {
    if (!option.isInitialized) await initializeWithRetry(option, where, startupTimeout);
    guardDataSourceClients(option);
    return { dataSource: option, owned: false };
  }
  // Loaded only when Postgres is configured: a Redis-only app never pays for typeorm and pg.
  const { DataSource } = await import('typeorm');
  // A pool of 5 (the connection budget), and a request that cannot get a connection within 5 s fails with an error
  // Shoal maps to 503 instead of hanging while Postgres is down or restarting.
  const extra = { max: 5, connectionTimeoutMillis: 5000 };
  const dataSource = new DataSource({ type: 'postgres', url: option, applicationName, extra });
  await initializeWithRetry(dataSource, where, startupTimeout);
  guardDataSourceClients(dataSource);
  return { dataSource, owned: true };
}

/** A Postgres outage must not end the process through a pooled client's `'error'` (see `guardPoolClients`). */
function guardDataSourceClients(dataSource: DataSource): void {
  const pool = poolOfDataSource(dataSource);
  if (pool) guardPoolClients(pool);
}

/**
 * Opens (or adopts) the connections described by `ClusterModule` options, and waits (at most `startupTimeout`,
 * retrying with backoff) until both answer.
 */
export async function createClusterConnections(options: {
  redis?: RedisConnectionOption;
  postgres?: PostgresConnectionOption;
  nodeId: string;
  startupTimeout: number;
}): Promise<ClusterConnections> {
  const name = `shoal:${options.nodeId}`;
  const redis = options.redis === undefined ? undefined : openRedis(options.redis, name);
  const redisWhere = redis ? describeRedis(redis.client) : '';
  const availability = redis ? new RedisAvailability(redis.client, redisWhere) : undefined;
  try {
    const [postgres] = await Promise.all([
      options.postgres === undefined
        ? undefined
        : openPostgres(options.postgres, name, options.startupTimeout),
      redis ? waitForRedis(redis.client, redisWhere, options.startupTimeout) : undefined,
    ]);
    return new ClusterConnections(redis?.client, postgres?.dataSource, availability, {
      redis: redis?.owned ?? false,
      postgres: postgres?.owned ?? false,
    });
  } catch (error) {
    availability?.detach();
    if (redis?.owned) dropConnection(redis.client);
    throw error;
  }
}
