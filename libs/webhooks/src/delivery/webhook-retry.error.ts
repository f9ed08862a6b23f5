/** A delivery attempt that should be tried again (408, 429, 5xx, network error, timeout). */
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
