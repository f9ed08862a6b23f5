import type { L1CacheDriver } from 'bentocache/types';
import type { LRUCache } from 'lru-cache';
import { l1ItemKey } from './cache-keys.js';

/**
 * An entry as BentoCache 1.6 keeps it in an unserialized L1 (the version is pinned: the contract suite fails if
 * this layout changes). `logicalExpiration` absent means "forever".
 */
export interface L1Entry {
  readonly value: unknown;
  readonly logicalExpiration?: number;
  readonly createdAt: number;
  readonly tags?: readonly string[];
}

/** What a lookup that found nothing usable returns (`undefined` cannot be cached, but is a legal miss value). */
export const L1_MISS: unique symbol = Symbol('shoal:l1-miss');

/**
 * BentoCache's L1 on an LRU that Shoal owns, so Shoal can read fresh, untagged entries without going through
 * BentoCache (the L1 fast path: a map lookup) and clear everything at once after a bus outage.
 *
 * BentoCache talks to this driver in serialized JSON (its unserialized L1 mode is not usable in 1.6: namespaces
 * fall back to serializing, and values promoted from L2 arrive serialized anyway). Entries are parsed once when
 * written and kept as objects, so the fast path returns them without parsing, and a value reads back the same
 * (JSON-shaped) from L1 and from L2. Values returned by the fast path are shared: treat them as immutable.
 */
export class LruL1Driver implements L1CacheDriver {
  readonly type = 'l1' as const;

  constructor(
    private readonly lru: LRUCache<string, L1Entry>,
    private readonly prefix: string,
  ) {}

  namespace(namespace: string): LruL1Driver {
    return new LruL1Driver(this.lru, `${this.prefix}:${namespace}`);
  }

  /** The fast path: the value if the entry is fresh and carries no tag (tags need BentoCache's check). */
  peek(key: string): unknown {
    const entry = this.lru.get(l1ItemKey(this.prefix, key));
    if (entry === undefined) return L1_MISS;
    if (entry.tags !== undefined && entry.tags.length > 0) return L1_MISS;
    if (entry.logicalExpiration !== undefined && Date.now() >= entry.logicalExpiration) return L1_MISS;
    return entry.value;
  }

  get(key: string): string | undefined {
    const entry = this.lru.get(l1ItemKey(this.prefix, key));
    return entry === undefined ? undefined : JSON.stringify(entry);
  }

  pull(key: string): string | undefined {
    const value = this.get(key);
    this.delete(key);
    return value;
  }

  set(key: string, value: string, ttl?: number): boolean {
    const entry = JSON.parse(value) as L1Entry;
    const itemKey = l1ItemKey(this.prefix, key);
    if (ttl !== undefined && Number.isFinite(ttl) && ttl > 0)
      this.lru.set(itemKey, entry, { ttl: Math.ceil(ttl) });
    else this.lru.set(itemKey, entry);
    return true;
  }

  getRemainingTtl(key: string): number | undefined {
    const remaining = this.lru.getRemainingTTL(l1ItemKey(this.prefix, key));
    return Number.isFinite(remaining) && remaining > 0 ? remaining : undefined;
  }

  /** Deletes this namespace's entries (everything under the cache's own prefix when not namespaced). */
  clear(): void {
    const start = `${this.prefix}:`;
    for (const key of this.lru.keys()) if (key.startsWith(start)) this.lru.delete(key);
  }

  delete(key: string): boolean {
    return this.lru.delete(l1ItemKey(this.prefix, key));
  }

  deleteMany(keys: string[]): boolean {
    for (const key of keys) this.delete(key);
    return true;
  }

  disconnect(): void {}
}
