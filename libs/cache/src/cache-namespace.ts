import { errors as bentoErrors } from 'bentocache';
import type { GetSetFactoryContext } from 'bentocache/types';
import type { CacheConfig } from './cache-config.js';
import type { CacheMetrics, HotCounter } from './cache.metrics.js';
import type {
  CacheEntryOptions,
  CacheFactory,
  CacheResult,
  CacheTier,
  GetOrSetOptions,
  InvalidateOptions,
} from './cache-types.js';
import type { EngineView } from './engine/cache-engine.js';
import { l2ItemKey } from './engine/cache-keys.js';
import type { FenceRegistry } from './engine/fence-registry.js';
import { lookupProbes, type L2Read, type LookupProbe } from './engine/lookup-probe.js';
import { L1_ASK_ENGINE, L1_MISS } from './engine/lru-l1.driver.js';
import { l1FillTtl, readThrough } from './engine/read-through.js';
import { CacheFactoryTimeoutError } from './errors/cache-factory-timeout.error.js';
import { InvalidCacheKeyError } from './errors/invalid-cache-key.error.js';
import type { CacheOutbox } from './outbox/cache-outbox.js';
import type { ClusterSingleFlight, FlightCall } from './single-flight/cluster-single-flight.js';

const MISSING: unique symbol = Symbol('shoal:cache-missing');
const MAX_KEY_LENGTH = 1024;

function checkKey(key: unknown, what = 'cache key'): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw new InvalidCacheKeyError(
      what,
      `must be a string of 1-${MAX_KEY_LENGTH} characters, got ${JSON.stringify(key)}`,
    );
  }
  return key;
}

function list(value: string | readonly string[], what: string): string[] {
  const values = typeof value === 'string' ? [value] : [...value];
  for (const v of values) checkKey(v, what);
  return values;
}

/** What every namespace view shares. */
export interface CacheParts {
  readonly config: CacheConfig;
  readonly metrics: CacheMetrics;
  readonly fences: FenceRegistry;
  readonly singleFlight?: ClusterSingleFlight;
  readonly outbox: CacheOutbox;
}

/**
 * One namespace of the cache (the root one is `CacheService` itself). `V` types the values of this namespace.
 *
 * Guarantees, with a bus: once `set`/`delete`/`deleteByTag`/`clear` resolves (or, with `{ manager }`, once the
 * transaction commits), every other replica drops its L1 copy within the bus delay; a replica whose bus connection
 * dropped clears its L1 when it is back. Without a bus (or on a lost message), staleness is bounded by `ttl`.
 * A cache is never a source of truth: a value may always be missing.
 */
export class CacheNamespace<V = unknown> {
  private readonly l1Hit: HotCounter;
  private readonly l2Hit: HotCounter;
  private readonly miss: HotCounter;
  private readonly factoryOk: { inc(): void };
  private readonly factoryFailed: { inc(): void };

  protected constructor(
    protected readonly parts: CacheParts,
    protected readonly view: EngineView,
    /** The `namespace()` name; undefined for the root. */
    readonly name: string | undefined,
  ) {
    const cache = parts.config.namespace;
    const { metrics } = parts;
    this.l1Hit = metrics.hot(metrics.hits, { cache, tier: 'l1' });
    this.l2Hit = metrics.hot(metrics.hits, { cache, tier: 'l2' });
    this.miss = metrics.hot(metrics.misses, { cache });
    this.factoryOk = parts.metrics.factoryCalls.labels({ cache, outcome: 'ok' });
    this.factoryFailed = parts.metrics.factoryCalls.labels({ cache, outcome: 'error' });
  }

  /**
   * The cached value, or the factory's (cached for next time). Concurrent misses of one key in this process call
   * the factory once; with single flight, once across the cluster.
   * @throws the factory's own error (unless a stale value in grace can be served); CacheFactoryTimeoutError.
   */
  async getOrSet<T extends V>(key: string, factory: CacheFactory<T>, options?: GetOrSetOptions): Promise<T> {
    const hit = this.view.l1.peek(checkKey(key));
    if (hit !== L1_MISS && hit !== L1_ASK_ENGINE) {
      this.l1Hit.inc();
      return hit as T;
    }
    let failed: L2Read | undefined;
    if (hit === L1_MISS && this.view.l2) {
      const found = await readThrough(this.view, key, l1FillTtl(this.parts.config, options ?? {}));
      if ('value' in found) {
        this.l2Hit.inc();
        return found.value as T;
      }
      failed = 'error' in found.read ? found.read : undefined;
    }
    return (await this.load(key, factory, options ?? {}, failed)).value;
  }

  /** Like `getOrSet`, and says which tier served the value (`l1`, `l2` or `origin`). */
  async getOrSetDetailed<T extends V>(
    key: string,
    factory: CacheFactory<T>,
    options: GetOrSetOptions = {},
  ): Promise<CacheResult<T>> {
    const hit = this.view.l1.peek(checkKey(key));
    if (hit !== L1_MISS && hit !== L1_ASK_ENGINE) {
      this.l1Hit.inc();
      return { value: hit as T, servedFrom: 'l1' };
    }
    let failed: L2Read | undefined;
    if (hit === L1_MISS && this.view.l2) {
      const found = await readThrough(this.view, key, l1FillTtl(this.parts.config, options));
      if ('value' in found) {
        this.l2Hit.inc();
        return { value: found.value as T, servedFrom: 'l2' };
      }
      failed = 'error' in found.read ? found.read : undefined;
    }
    return this.load(key, factory, options, failed);
  }

  /** The cached value, or `undefined`. A stale value in grace counts as found. */
  get<T extends V>(key: string): Promise<T | undefined> {
    let hit: Promise<unknown> | typeof L1_MISS | typeof L1_ASK_ENGINE;
    try {
      hit = this.view.l1.peekSettled(checkKey(key));
    } catch (error) {
      return Promise.reject(error);
    }
    if (hit !== L1_MISS && hit !== L1_ASK_ENGINE) {
      // A plain L1 hit: the entry's own settled promise, without an async function's frame or a new promise.
      this.l1Hit.inc();
      return hit as Promise<T>;
    }
    return this.getBeyondL1<T>(key, hit);
  }

  /** `get` past L1: an L2 read, then BentoCache for anything stale, tagged in doubt, missing or failed. */
  private async getBeyondL1<T extends V>(key: string, hit: unknown): Promise<T | undefined> {
    let prefetched: L2Read | undefined;
    if (hit === L1_MISS && this.view.l2) {
      const found = await readThrough(this.view, key, l1FillTtl(this.parts.config, {}));
      if ('value' in found) {
        this.l2Hit.inc();
        return found.value as T;
      }
      prefetched = found.read;
    }
    const probe = this.probe(key, prefetched);
    const value = await lookupProbes.run(probe, () =>
      this.view.bento.get<T | typeof MISSING>({ key, defaultValue: MISSING }),
    );
    if (value === MISSING) {
      this.miss.inc();
      return undefined;
    }
    (probe.l2Hit ? this.l2Hit : this.l1Hit).inc();
    return value;
  }

  /** Stores a value in L1 and L2 and tells the other replicas to drop their L1 copy. `undefined` is refused. */
  async set<T extends V>(key: string, value: T, options: CacheEntryOptions = {}): Promise<void> {
    checkKey(key);
    await this.view.bento.set({ key, value, ...this.entryOptions(options) });
  }

  /**
   * Deletes keys from every replica's L1 and from L2. With `{ manager }`, only if and when the transaction commits.
   * @throws when L2 cannot be reached (the other replicas were then not told either): retry, or use `{ manager }`,
   *   whose outbox retries until it succeeds.
   */
  async delete(keys: string | readonly string[], options: InvalidateOptions = {}): Promise<void> {
    const checked = list(keys, 'cache key');
    if (options.manager) {
      await this.parts.outbox.write(options.manager, { namespace: this.name, keys: checked, tags: [] });
      this.sent('outbox');
      return;
    }
    // An L2 that could not be reached rejects: the caller must know the invalidation did not happen.
    if (checked.length === 1) await this.view.bento.delete({ key: checked[0], suppressL2Errors: false });
    else await this.view.bento.deleteMany({ keys: checked, suppressL2Errors: false });
  }

  /** Invalidates every entry of this namespace carrying one of `tags`. With `{ manager }`, only on commit. */
  async deleteByTag(tags: string | readonly string[], options: InvalidateOptions = {}): Promise<void> {
    const checked = list(tags, 'cache tag');
    if (options.manager) {
      await this.parts.outbox.write(options.manager, { namespace: this.name, keys: [], tags: checked });
      this.sent('outbox');
      return;
    }
    await this.view.bento.deleteByTag({ tags: checked, suppressL2Errors: false });
  }

  private sent(via: 'bus' | 'outbox'): void {
    this.parts.metrics.invalidationsSent.inc({ cache: this.parts.config.namespace, via });
  }

  private probe(key: string, prefetched?: L2Read): LookupProbe {
    return { l2Key: this.view.l2 ? l2ItemKey(this.view.prefix, key) : '', l2Hit: false, prefetched };
  }

  private entryOptions(options: CacheEntryOptions): {
    ttl?: number;
    grace?: number | false;
    tags?: string[];
  } {
    return {
      ...(options.ttl !== undefined && { ttl: options.ttl }),
      ...(options.grace !== undefined && { grace: options.grace }),
      ...(options.tags !== undefined && { tags: list(options.tags, 'cache tag') }),
    };
  }

  /**
   * A lookup through BentoCache. `failed`: the fast path's L2 read failed (BentoCache's own read then fails at once
   * instead of waiting for Redis again). A miss is not passed on: BentoCache reads L2 again under its lock, after
   * any concurrent load of the key in this process, which is what keeps that load single.
   */
  private async load<T>(
    key: string,
    factory: CacheFactory<T>,
    options: GetOrSetOptions,
    failed?: L2Read,
  ): Promise<CacheResult<T>> {
    const flight = (options.singleFlight ?? true) ? this.parts.singleFlight : undefined;
    const probe = this.probe(key, failed);
    const call: FlightCall = {};
    let called = false;
    const run = async (context: GetSetFactoryContext): Promise<T> => {
      called = true;
      // Without a shared tier, a value loaded here is no fresher than the other nodes' copies: telling them to drop
      // theirs would only make every node reload (BentoCache announces every write, loads included).
      if (this.parts.config.provider === 'local') context.setOptions({ skipBusNotify: true });
      try {
        const value = await factory({
          stale: context.gracedEntry?.value as T | undefined,
          setTtl: (ttl) => context.setTtl(ttl),
          setTags: (tags) => context.setTags(list(tags, 'cache tag')),
        });
        this.factoryOk.inc();
        return value;
      } catch (error) {
        this.factoryFailed.inc();
        throw error;
      }
    };
    try {
      const value = await lookupProbes.run(probe, () =>
        this.view.bento.getOrSet<T>({
          key,
          ...this.entryOptions(options),
          ...(options.timeout !== undefined && { timeout: options.timeout }),
          ...(options.hardTimeout !== undefined && { hardTimeout: options.hardTimeout }),
          factory: (context) =>
            flight
              ? (flight.load(this.view, key, () => run(context), context, call) as Promise<T>)
              : run(context),
        }),
      );
      if (call.landed) {
        this.l2Hit.inc();
        return { value: call.landed.value as T, servedFrom: 'l2' };
      }
      const servedFrom: CacheTier = called ? 'origin' : probe.l2Hit ? 'l2' : 'l1';
      if (servedFrom === 'origin') this.miss.inc();
      else (servedFrom === 'l2' ? this.l2Hit : this.l1Hit).inc();
      return { value, servedFrom };
    } catch (error) {
      if (called) this.miss.inc(); // nothing fresh was found, and the factory failed too
      if (error instanceof bentoErrors.E_FACTORY_ERROR) throw error.cause;
      if (error instanceof bentoErrors.E_FACTORY_HARD_TIMEOUT) throw new CacheFactoryTimeoutError(key, error);
      throw error;
    } finally {
      if (call.lock) {
        await call.lock.release();
        // A deposed loader's write was refused by the fence: do not keep its value here either.
        if (this.view.l2 && this.parts.fences.settle(l2ItemKey(this.view.prefix, key)))
          this.view.l1.delete(key);
      }
    }
  }
}
