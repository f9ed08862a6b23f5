/**
 * Thrown at start-up when `MessagingModule.forRoot()` / `forRootAsync()` receives options that cannot work.
 * The message names the option and says what to change.
 */
export class InvalidMessagingOptionsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid MessagingModule options:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InvalidMessagingOptionsError';
  }
}
