/** Thrown when a cache key, tag or namespace name cannot be used; nothing was read or written. */
export class InvalidCacheKeyError extends Error {
  constructor(what: string, detail: string) {
    super(`${what} ${detail}`);
    this.name = 'InvalidCacheKeyError';
  }
}
