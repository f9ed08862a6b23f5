/**
 * Thrown at start-up when `ClusterModule.forRoot()` / `forRootAsync()` receives options that cannot work.
 * The message names the option and says what to change.
 */
export class InvalidClusterOptionsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid ClusterModule options:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InvalidClusterOptionsError';
  }
}
