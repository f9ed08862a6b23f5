/**
 * A request got no (complete) answer within its timeout (`ShoalRecordBuilder.setTimeout`, default the module's
 * `timeout`). The handler may still run or have run: a timed-out request is not known to have failed.
 */
export class MessageTimeoutError extends Error {
  constructor(
    readonly pattern: string,
    readonly timeoutMs: number,
    readonly target: string,
  ) {
    super(
      `no answer to "${pattern}" from ${target} within ${timeoutMs} ms ` +
        '(raise the timeout with ShoalRecordBuilder.setTimeout() or MessagingModule `timeout`)',
    );
    this.name = 'MessageTimeoutError';
  }
}
