export { CacheModule } from './cache.module.js';
export type { CacheModuleAsyncOptions } from './cache.module-definition.js';
export {
  CACHE_DEFAULTS,
  type CacheBusKind,
  type CacheModuleOptions,
  type CacheProvider,
  type SingleFlightOptions,
} from './cache-options.js';
export { CACHE_CONFIG, NEST_CACHE_MANAGER } from './cache.constants.js';
export { CacheService } from './cache.service.js';
export { CacheNamespace } from './cache-namespace.js';
export type {
  CacheEntryOptions,
  CacheFactory,
  CacheFactoryContext,
  CacheResult,
  CacheStatus,
  CacheTier,
  GetOrSetOptions,
  InvalidateOptions,
} from './cache-types.js';
export type { BusPayload as CacheInvalidation } from './bus/bus-message.codec.js';
export { CacheInvalidated } from './outbox/cache-invalidated.event.js';
export { ShoalKeyvStore } from './nest/shoal-keyv.store.js';
export { InvalidCacheOptionsError } from './errors/invalid-cache-options.error.js';
export { InvalidCacheKeyError } from './errors/invalid-cache-key.error.js';
export { CacheFactoryTimeoutError } from './errors/cache-factory-timeout.error.js';
export { OutboxUnavailableError } from './errors/outbox-unavailable.error.js';
