import type { L1CacheDriver } from 'bentocache/types';
import type { LRUCache } from 'lru-cache';
import { l1NamespaceStart, l1RootKey } from './cache-keys.js';
import { coarseNow } from './coarse-clock.js';
import { KeyMemo } from './key-memo.js';

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

/**
 * What the LRU holds per key: the entry, when L1 drops it (BentoCache's L1 TTL: the logical TTL plus any grace),
 * epoch ms, `undefined` for never, and until when a hit may return it without further checks. Kept here rather
 * than as lru-cache TTLs: lru-cache's TTL bookkeeping costs a hit about a third more than a map lookup.
 */
export interface L1Slot {
  readonly entry: L1Entry;
  readonly expiresAt?: number;
  /**
   * Epoch ms before which the entry is logically fresh and held, so a hit serves it on one comparison: the earlier
   * of `expiresAt` and the entry's logical expiration (`Infinity` for neither); 0 for a tagged entry, whose tags
   * must be checked on every hit.
   */
  readonly plainUntil: number;
  /** The value as a settled promise, made on the first `peekSettled` hit and shared by the later ones. */
  settled?: Promise<unknown>;
}

/** What a lookup of a key L1 does not hold returns (`undefined` cannot be cached, but is a legal miss value). */
export const L1_MISS: unique symbol = Symbol('shoal:l1-miss');

/** What a lookup returns when L1 holds the key but only BentoCache can tell whether it may be served. */
export const L1_ASK_ENGINE: unique symbol = Symbol('shoal:l1-ask-engine');

/** BentoCache 1.6's key of a tag's invalidation time (the version is pinned). */
export const BENTO_TAG_KEY_PREFIX = '___bc:t:';

/** An L2 read in flight whose result may fill L1 (see `LruL1Driver.fill`). */
export interface L1Fill {
  readonly itemKey: string;
}

/** The L1 shared by every namespace of one cache: the LRU, and the L2 reads in flight that may fill it. */
export class L1Store {
  /** By item key; a write or delete of the key (or a clear) voids the fill. */
  readonly fills = new Map<string, L1Fill>();

  constructor(readonly lru: LRUCache<string, L1Slot>) {}

  /** Drops every entry of every namespace, and voids every fill in flight. */
  clear(): void {
    this.lru.clear();
    this.fills.clear();
  }
}

/**
 * BentoCache's L1 on an LRU that Shoal owns, so Shoal can serve hits without going through BentoCache (the fast
 * paths: a map lookup and a freshness check) and clear everything at once after a bus outage.
 *
 * BentoCache talks to this driver in serialized JSON (its unserialized L1 mode is not usable in 1.6: namespaces
 * fall back to serializing, and values promoted from L2 arrive serialized anyway). Entries are parsed once when
 * written and kept as objects, so the fast path returns them without parsing, and a value reads back the same
 * (JSON-shaped) from L1 and from L2. Values returned by the fast path are shared: treat them as immutable.
 */
export class LruL1Driver implements L1CacheDriver {
  readonly type = 'l1' as const;
  private readonly lru: LRUCache<string, L1Slot>;
  /** L1 keys by key (see cache-keys.ts); in a namespace, memoized so a hit does not build and hash a new string. */
  private readonly itemKeys: { get(key: string): string };
  /** Tag entries' L1 keys by tag. */
  private readonly tagKeys: KeyMemo;

  /** `start`: the start of this namespace's L1 keys; undefined for the root (every key of this cache). */
  constructor(
    private readonly store: L1Store,
    private readonly start?: string,
  ) {
    this.lru = store.lru;
    const bound = Math.max(1024, this.lru.max);
    this.itemKeys = start === undefined ? { get: l1RootKey } : new KeyMemo(bound, (key) => `${start}${key}`);
    this.tagKeys = new KeyMemo(bound, (tag) => this.itemKeys.get(`${BENTO_TAG_KEY_PREFIX}${tag}`));
  }

  namespace(namespace: string): LruL1Driver {
    return new LruL1Driver(this.store, l1NamespaceStart(namespace));
  }

  /**
   * The fast path: the value if the entry may be served as it is (see `servable`), `L1_MISS` if L1 does not hold
   * the key, `L1_ASK_ENGINE` if it holds an entry only BentoCache can judge (stale in grace, or a tag in doubt).
   */
  peek(key: string): unknown {
    const hit = this.hit(key);
    return typeof hit === 'symbol' ? hit : hit.entry.value;
  }

  /**
   * Like `peek`, with the value as a settled promise: made once per entry and shared by its hits, so an awaited
   * L1 hit allocates nothing (a promise per hit cost it about a sixth of its time).
   */
  peekSettled(key: string): Promise<unknown> | typeof L1_MISS | typeof L1_ASK_ENGINE {
    const hit = this.hit(key);
    return typeof hit === 'symbol' ? hit : (hit.settled ??= Promise.resolve(hit.entry.value));
  }

  /** The slot of `key` if its entry may be served as it is, else `L1_MISS` or `L1_ASK_ENGINE` (see `peek`). */
  private hit(key: string): L1Slot | typeof L1_MISS | typeof L1_ASK_ENGINE {
    // The root's key is the caller's own string (see cache-keys.ts), without a call through `itemKeys`.
    const itemKey =
      this.start === undefined ? (key.charCodeAt(0) === 1 ? l1RootKey(key) : key) : this.itemKeys.get(key);
    const slot = this.lru.get(itemKey);
    if (slot === undefined) return L1_MISS;
    const now = coarseNow();
    // The common hit: untagged, fresh and held — one comparison.
    if (now < slot.plainUntil) return slot;
    if (slot.expiresAt !== undefined && now >= slot.expiresAt) {
      this.lru.delete(itemKey);
      return L1_MISS;
    }
    return this.servable(slot.entry) ? slot : L1_ASK_ENGINE;
  }

  /** The slot of `itemKey` unless L1 does not hold it or its L1 TTL ran out (then it is dropped). */
  private live(itemKey: string): L1Slot | undefined {
    const slot = this.lru.get(itemKey);
    if (slot === undefined) return undefined;
    if (slot.expiresAt !== undefined && coarseNow() >= slot.expiresAt) {
      this.lru.delete(itemKey);
      return undefined;
    }
    return slot;
  }

  /**
   * Whether `entry` may be served now without asking BentoCache: logically fresh, and, if tagged, created after
   * the last invalidation of each of its tags as this L1 knows it (BentoCache's own check reads the same tag
   * entries from L1 first). Any doubt (a tag entry missing or stale here) answers `false`: BentoCache decides.
   */
  private servable(entry: L1Entry): boolean {
    if (entry.logicalExpiration !== undefined && coarseNow() >= entry.logicalExpiration) return false;
    const tags = entry.tags;
    if (tags === undefined || tags.length === 0) return true;
    for (const tag of tags) {
      const invalidatedAt = this.tagTime(tag);
      if (invalidatedAt === undefined || entry.createdAt <= invalidatedAt) return false;
    }
    return true;
  }

  /** The invalidation time of `tag` if L1 holds it fresh (BentoCache keeps it as a number entry). */
  private tagTime(tag: string): number | undefined {
    const entry = this.live(this.tagKeys.get(tag))?.entry;
    if (entry === undefined || typeof entry.value !== 'number') return undefined;
    if (entry.logicalExpiration !== undefined && coarseNow() >= entry.logicalExpiration) return undefined;
    return entry.value;
  }

  /** Starts an L2 read of `key` whose result may fill L1 (with `fill`), unless the key changes here meanwhile. */
  beginFill(key: string): L1Fill {
    const fill: L1Fill = { itemKey: this.itemKeys.get(key) };
    this.store.fills.set(fill.itemKey, fill);
    return fill;
  }

  /**
   * Ends an L2 read: returns the value of `entry` if it may be served, and keeps it in L1 for `ttl` ms unless the
   * key was written, deleted or cleared in L1 since `beginFill` (an invalidation that arrived while the read was
   * in flight wins). `undefined` when only BentoCache can judge the entry (nothing is stored then).
   */
  fill(fill: L1Fill, entry: L1Entry, ttl: number | undefined): { value: unknown } | undefined {
    const current = this.store.fills.get(fill.itemKey) === fill;
    if (current) this.store.fills.delete(fill.itemKey);
    if (!this.servable(entry)) return undefined;
    // BentoCache deletes instead of keeping an entry whose TTL is not above 0.
    if (current && (ttl === undefined || ttl > 0)) this.put(fill.itemKey, entry, ttl);
    return { value: entry.value };
  }

  /** Ends an L2 read without filling. */
  abandonFill(fill: L1Fill): void {
    if (this.store.fills.get(fill.itemKey) === fill) this.store.fills.delete(fill.itemKey);
  }

  get(key: string): string | undefined {
    const slot = this.live(this.itemKeys.get(key));
    return slot === undefined ? undefined : JSON.stringify(slot.entry);
  }

  pull(key: string): string | undefined {
    const value = this.get(key);
    this.delete(key);
    return value;
  }

  set(key: string, value: string, ttl?: number): boolean {
    const itemKey = this.itemKeys.get(key);
    this.store.fills.delete(itemKey);
    this.put(itemKey, JSON.parse(value) as L1Entry, ttl);
    return true;
  }

  private put(itemKey: string, entry: L1Entry, ttl: number | undefined): void {
    const expiresAt =
      ttl !== undefined && Number.isFinite(ttl) && ttl > 0 ? Date.now() + Math.ceil(ttl) : undefined;
    const tagged = entry.tags !== undefined && entry.tags.length > 0;
    const plainUntil = tagged ? 0 : Math.min(expiresAt ?? Infinity, entry.logicalExpiration ?? Infinity);
    this.lru.set(itemKey, { entry, expiresAt, plainUntil });
  }

  getRemainingTtl(key: string): number | undefined {
    const expiresAt = this.live(this.itemKeys.get(key))?.expiresAt;
    const remaining = expiresAt === undefined ? 0 : expiresAt - Date.now();
    return remaining > 0 ? remaining : undefined;
  }

  /** Deletes this namespace's entries (every entry of the cache, every namespace included, for the root). */
  clear(): void {
    const start = this.start;
    if (start === undefined) return this.store.clear();
    for (const key of this.store.fills.keys()) if (key.startsWith(start)) this.store.fills.delete(key);
    for (const key of this.lru.keys()) if (key.startsWith(start)) this.lru.delete(key);
  }

  delete(key: string): boolean {
    const itemKey = this.itemKeys.get(key);
    this.store.fills.delete(itemKey);
    return this.lru.delete(itemKey);
  }

  deleteMany(keys: string[]): boolean {
    for (const key of keys) this.delete(key);
    return true;
  }

  disconnect(): void {}
}
