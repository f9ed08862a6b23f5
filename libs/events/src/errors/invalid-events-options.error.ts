/** Thrown at start-up when `EventBusModule` options or handlers cannot work; names the option and the fix. */
export class InvalidEventsOptionsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid EventBusModule setup:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InvalidEventsOptionsError';
  }
}
