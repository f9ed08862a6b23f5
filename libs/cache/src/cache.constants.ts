/** Injection token of the validated `CacheConfig`. */
export const CACHE_CONFIG = Symbol('shoal:cache-config');
/** Injection token of the `CacheEngine` (BentoCache and Shoal's drivers). */
export const CACHE_ENGINE = Symbol('shoal:cache-engine');
/**
 * `@nestjs/cache-manager`'s injection token (its `CACHE_MANAGER` constant, the string `'CACHE_MANAGER'`), provided
 * here without loading that package; a spec checks the two stay equal.
 */
export const NEST_CACHE_MANAGER = 'CACHE_MANAGER';
