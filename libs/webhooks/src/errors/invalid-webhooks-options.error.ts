/** Thrown at start-up when `WebhooksModule` options cannot work; names the option and the fix. */
export class InvalidWebhooksOptionsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid WebhooksModule setup:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InvalidWebhooksOptionsError';
  }
}
