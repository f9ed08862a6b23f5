/**
 * Thrown at start-up when `HealthModule.forRoot()` / `forRootAsync()` receives options that cannot work.
 * The message names the option and says what to change.
 */
export class InvalidHealthOptionsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid HealthModule options:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InvalidHealthOptionsError';
  }
}
