import type { RedisClient } from '@shoal/cluster';
import { duplicateConnection } from '@shoal/cluster/internal';
import type { Cluster } from 'ioredis';

/**
 * The subscriber connection of the sharded adapter. On Redis Cluster, `SSUBSCRIBE` must reach the master that owns
 * each channel's slot: a plain duplicate sends it to any node and fails with `MOVED` ("Too many Cluster
 * redirections"). ioredis's `shardedSubscribers` keeps one subscriber per master and subscribes again on the new
 * owner when a slot moves or a master fails over.
 */
export function shardedSubscriber(redis: RedisClient): RedisClient {
  // `isCluster` rather than `instanceof`: ioredis is an optional peer of this package, not imported at load time.
  if (!redis.isCluster) return duplicateConnection(redis, 'socket.io sharded adapter subscriber');
  const subscriber = (redis as Cluster).duplicate([], { shardedSubscribers: true });
  subscriber.on('error', () => undefined); // reconnects by itself; the adapter logs what matters
  return subscriber;
}
