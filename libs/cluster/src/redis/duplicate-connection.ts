import { Logger } from '@nestjs/common';
import { Cluster } from 'ioredis';
import type { RedisClient } from './redis-client.js';

/**
 * A new connection like `redis` (for subscriptions and blocking reads, which tie up a connection), whose errors are
 * logged at debug level instead of crashing the process; ioredis reconnects it by itself.
 */
export function duplicateConnection(redis: RedisClient, purpose: string): RedisClient {
  const duplicate: RedisClient = redis instanceof Cluster ? redis.duplicate() : redis.duplicate();
  const logger = new Logger('Shoal:Redis');
  duplicate.on('error', (error: Error) => logger.debug(`${purpose}: ${error.message}`));
  return duplicate;
}
