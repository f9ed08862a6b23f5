/** Thrown at start-up when `JobsModule` options or processors cannot work; names the option and the fix. */
export class InvalidJobsOptionsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid JobsModule setup:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InvalidJobsOptionsError';
  }
}
