/** `LockService.lock()` / `@WithLock` could not acquire the lock within its `wait`. */
export class LockTimeoutError extends Error {
  constructor(
    readonly key: string,
    readonly waitedMs: number,
  ) {
    super(`could not acquire lock "${key}" within ${waitedMs} ms; raise \`wait\` or use tryLock()`);
    this.name = 'LockTimeoutError';
  }
}
