import { EventEmitter } from 'node:events';
import type { CacheNamespace } from '../cache-namespace.js';

/** What Keyv stores when it does not serialize: the value and its expiry (ms since epoch, if any). */
interface KeyvRecord {
  value: unknown;
  expires?: number;
}

/**
 * A Keyv store over a Shoal cache namespace, so `cache-manager` (and with it `@nestjs/cache-manager`'s
 * `CACHE_MANAGER`, `CacheInterceptor`, `@CacheTTL()`) reads and writes through Shoal: L1 + L2, and invalidations
 * that reach every replica. Keyv must be created with `serialize: undefined` so records stay objects (Shoal
 * serializes for Redis itself).
 */
export class ShoalKeyvStore extends EventEmitter {
  readonly opts = { dialect: 'shoal' };
  namespace?: string;

  constructor(private readonly cache: CacheNamespace) {
    super();
  }

  async get(key: string): Promise<KeyvRecord | undefined> {
    return (await this.cache.get(key)) as KeyvRecord | undefined;
  }

  async set(key: string, value: KeyvRecord, ttl?: number): Promise<boolean> {
    await this.cache.set(key, value, ttl !== undefined && ttl > 0 ? { ttl } : {});
    return true;
  }

  async delete(key: string): Promise<boolean> {
    await this.cache.delete(key);
    return true;
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    if (keys.length > 0) await this.cache.delete(keys);
    return true;
  }

  async has(key: string): Promise<boolean> {
    return (await this.cache.get(key)) !== undefined;
  }

  /** Keyv's `clear()`: empties the namespace this store was given. */
  async clear(): Promise<void> {
    await this.clearNamespace();
  }

  /** Set by the provider: clearing needs `CacheService.clear(name)`. */
  clearNamespace: () => Promise<void> = async () => undefined;

  async disconnect(): Promise<void> {}
}
