/** The key function of `@WithLock` threw or returned something other than a non-empty string. */
export class LockKeyError extends Error {
  constructor(where: string, problem: string) {
    super(`@WithLock on ${where}: ${problem}`);
    this.name = 'LockKeyError';
  }
}
