/** Options of `eventually`. */
export interface EventuallyOptions {
  /** Give up after this many ms. Default 5000. */
  timeoutMs?: number;
  /** Poll every this many ms. Default 20. */
  intervalMs?: number;
  /** Named in the error when the condition is not met in time. */
  what?: string;
}

/**
 * Polls `check` until it returns a truthy value (or a promise of one) and returns it; rejects with the last error or
 * a timeout naming `what`. For tests: a generous bound, never a measurement.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  options: EventuallyOptions = {},
): Promise<NonNullable<T>> {
  const { timeoutMs = 5000, intervalMs = 20, what = 'condition' } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`${what} not met within ${timeoutMs} ms${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
