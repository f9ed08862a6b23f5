import type { Provider } from '@nestjs/common';
import type { CacheConfig } from '../cache-config.js';
import { CACHE_CONFIG, NEST_CACHE_MANAGER } from '../cache.constants.js';
import { CacheService } from '../cache.service.js';
import { ShoalKeyvStore } from './shoal-keyv.store.js';

/** The namespace `@nestjs/cache-manager` entries live in. */
export const NEST_CACHE_NAMESPACE = 'nest';

/** What `CACHE_MANAGER` is with `cacheManager: false`: every cache-manager method fails, saying why. */
function disabled(): Record<string, () => never> {
  const fail = (): never => {
    throw new Error('CACHE_MANAGER is off: CacheModule was given `cacheManager: false`');
  };
  const methods = ['get', 'mget', 'ttl', 'set', 'mset', 'del', 'mdel', 'clear', 'wrap', 'disconnect'];
  return Object.fromEntries(methods.map((name) => [name, fail]));
}

/**
 * `@nestjs/cache-manager`'s `CACHE_MANAGER`: a `cache-manager` cache on a Keyv store over Shoal's cache, so
 * `CacheInterceptor` and code injecting `CACHE_MANAGER` work unchanged. `cache-manager` and `keyv` are loaded
 * only here, and only when `cacheManager` is on.
 */
export const nestCacheManagerProvider: Provider = {
  provide: NEST_CACHE_MANAGER,
  inject: [CACHE_CONFIG, CacheService],
  useFactory: async (config: CacheConfig, cache: CacheService) => {
    if (!config.cacheManager) return disabled();
    let modules: [typeof import('cache-manager'), typeof import('keyv')];
    try {
      modules = await Promise.all([import('cache-manager'), import('keyv')]);
    } catch (error) {
      throw new Error(
        'CacheModule provides CACHE_MANAGER through cache-manager and keyv: install them ' +
          '(npm i cache-manager keyv), or set `cacheManager: false`',
        { cause: error },
      );
    }
    const [{ createCache }, { Keyv }] = modules;
    const store = new ShoalKeyvStore(cache.namespace(NEST_CACHE_NAMESPACE));
    store.clearNamespace = () => cache.clear(NEST_CACHE_NAMESPACE);
    const keyv = new Keyv({ store, serialize: undefined, deserialize: undefined, namespace: undefined });
    return createCache({ stores: [keyv], ttl: config.ttl });
  },
};
