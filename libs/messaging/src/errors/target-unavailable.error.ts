/**
 * The node a request was addressed to is not a live member, stopped listening, or left the cluster while the
 * request was in flight. Raised at once, never after waiting for the timeout. The handler may have run if the
 * node died after taking the message.
 */
export class TargetUnavailableError extends Error {
  constructor(
    readonly pattern: string,
    readonly target: string,
    readonly reason: string,
  ) {
    super(`"${pattern}" cannot reach ${target}: ${reason}`);
    this.name = 'TargetUnavailableError';
  }
}
