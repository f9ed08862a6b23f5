import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import { isStoreUnavailableError } from '../errors/store-unavailable.js';
import { StoreUnreachableError } from '../errors/store-unreachable.error.js';
import type { RedisClient } from '../redis/redis-client.js';

const logger = new Logger('Shoal:Connections');

/**
 * Waits until `redis` is ready, for at most `timeoutMs`. ioredis reconnects with backoff meanwhile; one WARN line
 * says what is being waited for (the availability monitor adds the reason).
 * @throws StoreUnreachableError naming the address and the last error.
 */
export async function waitForRedis(redis: RedisClient, where: string, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return;
  let lastError = 'no answer';
  const onError = (error: Error) => (lastError = error.message);
  redis.on('error', onError);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        redis.off('ready', onReady);
        reject(
          new StoreUnreachableError('Redis', where, timeoutMs, lastError, 'the redis option (REDIS_URL)'),
        );
      }, timeoutMs);
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      redis.once('ready', onReady);
    });
  } finally {
    redis.off('error', onError);
  }
}

/**
 * Initializes `dataSource`, retrying with backoff (100 ms doubling to 2 s) while Postgres refuses connections, for at
 * most `timeoutMs`; one WARN line for the whole wait.
 * @throws StoreUnreachableError, or the first error that retrying cannot fix (bad credentials, unknown database).
 */
export async function initializeWithRetry(
  dataSource: DataSource,
  where: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt += 1) {
    try {
      await dataSource.initialize();
      if (attempt > 0) logger.log(`PostgreSQL at ${where} reachable`);
      return;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!isStoreUnavailableError(error)) throw error;
      if (Date.now() >= deadline)
        throw new StoreUnreachableError(
          'PostgreSQL',
          where,
          timeoutMs,
          message,
          'the postgres option (DATABASE_URL)',
        );
      if (attempt === 0)
        logger.warn(
          `PostgreSQL at ${where} unreachable (${message}); retrying with backoff for up to ${timeoutMs} ms`,
        );
      await sleep(Math.min(100 * 2 ** attempt, 2000, Math.max(0, deadline - Date.now())));
    }
  }
}
