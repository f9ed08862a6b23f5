/** Thrown at start-up when `RealtimeModule` options cannot work; names the option and the fix. */
export class InvalidRealtimeOptionsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid RealtimeModule setup:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InvalidRealtimeOptionsError';
  }
}
