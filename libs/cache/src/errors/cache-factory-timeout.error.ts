/** `getOrSet`'s factory ran longer than `hardTimeout` and there was no stale value to serve. */
export class CacheFactoryTimeoutError extends Error {
  constructor(
    readonly key: string,
    cause: unknown,
  ) {
    super(`the factory for cache key "${key}" timed out`, { cause });
    this.name = 'CacheFactoryTimeoutError';
  }
}
