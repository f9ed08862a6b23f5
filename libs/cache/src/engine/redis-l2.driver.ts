import { Cluster } from 'ioredis';
import { type RedisClient } from '@shoal/cluster';
import { RedisScript } from '@shoal/cluster/internal';
import type { L2CacheDriver } from 'bentocache/types';
import { l2FenceKey, l2ItemKey } from './cache-keys.js';
import type { FenceRegistry } from './fence-registry.js';
import { DeadlineSweep } from './deadline-sweep.js';
import { markL2Read, takePrefetched } from './lookup-probe.js';

/**
 * KEYS: value, fence. ARGV: value, ttl ms ('' = none), token, fence ttl ms.
 * Writes only if no loader with a higher fencing token wrote since: a loader that lost its lock (paused, cut off)
 * cannot overwrite a newer value with the one it loaded earlier.
 */
const fencedSetScript = new RedisScript<number>(`
local fence = tonumber(redis.call('GET', KEYS[2]) or '0')
if fence > tonumber(ARGV[3]) then return 0 end
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
if ARGV[2] == '' then redis.call('SET', KEYS[1], ARGV[1]) else redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return 1
`);

/** Fencing keys outlive any lock by far, and expire on their own. */
const FENCE_TTL_MS = 10 * 60_000;

/**
 * Longest an L2 operation may take. ioredis queues commands while it reconnects; without a bound, a miss during a
 * Redis outage would wait for Redis to come back. Past it, reads count as misses (the factory runs), failed
 * deletes reject (see CacheNamespace.delete).
 */
const L2_TIMEOUT_MS = 1000;

const l2Deadlines = new DeadlineSweep(L2_TIMEOUT_MS);

function bounded<T>(operation: Promise<T>, what: string): Promise<T> {
  return l2Deadlines.bound(operation, `cache L2 ${what}`);
}

/**
 * BentoCache's L2 on Shoal's shared Redis connection (Redis standalone, Sentinel or Cluster). Unlike BentoCache's
 * own Redis driver it never closes the connection it was given, lays keys out for Redis Cluster (hash tags),
 * clears a namespace on every master, and fences single-flight writes.
 */
export class RedisL2Driver implements L2CacheDriver {
  readonly type = 'l2' as const;

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly fences: FenceRegistry,
  ) {}

  namespace(namespace: string): RedisL2Driver {
    return new RedisL2Driver(this.redis, `${this.prefix}:${namespace}`, this.fences);
  }

  async get(key: string): Promise<string | undefined> {
    const itemKey = l2ItemKey(this.prefix, key);
    const prefetched = takePrefetched(itemKey);
    if (prefetched !== undefined && 'error' in prefetched) throw prefetched.error;
    const value = prefetched !== undefined ? prefetched.raw : await this.read(itemKey);
    if (value === undefined || value === null) return undefined;
    markL2Read(itemKey);
    return value;
  }

  /** One bounded `GET` of an item key, as stored (BentoCache's serialized entry); `null` when absent. */
  read(itemKey: string): Promise<string | null> {
    return bounded(this.redis.get(itemKey), 'GET');
  }

  async pull(key: string): Promise<string | undefined> {
    return (await bounded(this.redis.getdel(l2ItemKey(this.prefix, key)), 'GETDEL')) ?? undefined;
  }

  async set(key: string, value: string, ttl?: number): Promise<boolean> {
    const itemKey = l2ItemKey(this.prefix, key);
    const token = this.fences.take(itemKey);
    if (token !== undefined) {
      const written = await bounded(
        fencedSetScript.run(
          this.redis,
          [itemKey, l2FenceKey(itemKey)],
          [value, ttl ? String(Math.ceil(ttl)) : '', String(token), String(FENCE_TTL_MS)],
        ),
        'fenced SET',
      );
      if (written !== 1) this.fences.markRejected(itemKey);
      return written === 1;
    }
    const result = await bounded(
      ttl ? this.redis.set(itemKey, value, 'PX', Math.ceil(ttl)) : this.redis.set(itemKey, value),
      'SET',
    );
    return result === 'OK';
  }

  async delete(key: string): Promise<boolean> {
    return (await bounded(this.redis.unlink(l2ItemKey(this.prefix, key)), 'UNLINK')) > 0;
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    if (keys.length === 0) return true;
    // One UNLINK per key: keys of one call may live in different Redis Cluster slots.
    await bounded(Promise.all(keys.map((key) => this.redis.unlink(l2ItemKey(this.prefix, key)))), 'UNLINK');
    return true;
  }

  /** Deletes every key of this namespace (on every master of a Redis Cluster). */
  async clear(): Promise<void> {
    const nodes = this.redis instanceof Cluster ? this.redis.nodes('master') : [this.redis];
    await Promise.all(
      nodes.map(async (node) => {
        let cursor = '0';
        do {
          const [next, keys] = await node.scan(cursor, 'MATCH', `${this.prefix}:*`, 'COUNT', 1000);
          cursor = next;
          // Per key: on a Redis Cluster node a multi-key UNLINK must stay within one slot.
          await Promise.all(keys.map((k) => this.redis.unlink(k)));
        } while (cursor !== '0');
      }),
    );
  }

  /** The connection belongs to ClusterModule: nothing to close here. */
  async disconnect(): Promise<void> {}
}
