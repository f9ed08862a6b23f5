/**
 * Thrown at start-up when `CacheModule.forRoot()` / `forRootAsync()` receives options that cannot work.
 * The message names the option and says what to change.
 */
export class InvalidCacheOptionsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid CacheModule options:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InvalidCacheOptionsError';
  }
}
