/**
 * A delivery attempt that should be tried again (408, 429, 5xx, network error, timeout). Its message is the status or
 * the network error, never the receiver's body (that is in the recorded attempt).
 */
export class WebhookRetryError extends Error {
  constructor(
    message: string,
    /** The receiver's `Retry-After`, in ms. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'WebhookRetryError';
  }
}
