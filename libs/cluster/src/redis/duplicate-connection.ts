import { Logger } from '@nestjs/common';
import { Cluster } from 'ioredis';
import type { RedisClient } from './redis-client.js';

/**
 * A new connection like `redis` (for subscriptions and blocking reads, which tie up a connection), whose errors are
 * logged at debug level instead of crashing the process; ioredis reconnects it by itself.
 */
export function duplicateConnection(redis: RedisClient, purpose: string): RedisClient {
  return logErrors(redis instanceof Cluster ? redis.duplicate() : redis.duplicate(), purpose);
}

/**
 * A new connection like `redis` for a loop of blocking stream reads (`XREADGROUP` / `XREAD` with `BLOCK`), speaking
 * RESP2; errors as with {@link duplicateConnection}.
 *
 * Why RESP2: under RESP3 ioredis reshapes each stream reply (a map) into the legacy nested arrays, two new arrays per
 * reply. Under a steady stream of events V8 soon allocates those arrays straight in the old generation
 * (allocation-site pretenuring), and from then on every reply they point at — entry ids, field strings — survives
 * the young collections until the next full one: a consumer at 500 events/s promoted ~0.5 MB per young collection and
 * each one paused 2–3× longer. RESP2 stream replies are already in the legacy shape, so the replies die young. The
 * replies' shape is the same under both.
 */
export function streamReaderConnection(redis: RedisClient, purpose: string): RedisClient {
  const resp2 =
    redis instanceof Cluster
      ? // Merged here: ioredis 5 replaces the whole `redisOptions` (password, TLS …) with an override's.
        redis.duplicate([], { redisOptions: { ...redis.options.redisOptions, protocol: 2 } })
      : redis.duplicate({ protocol: 2 });
  return logErrors(resp2, purpose);
}

function logErrors(connection: RedisClient, purpose: string): RedisClient {
  const logger = new Logger('Shoal:Redis');
  connection.on('error', (error: Error) => logger.debug(`${purpose}: ${error.message}`));
  return connection;
}
