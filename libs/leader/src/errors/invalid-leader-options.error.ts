/** Thrown at start-up when `LeaderModule` options cannot work; the message names the option and the fix. */
export class InvalidLeaderOptionsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid LeaderModule options:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InvalidLeaderOptionsError';
  }
}
