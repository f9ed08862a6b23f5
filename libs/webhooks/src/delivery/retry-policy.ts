/**
 * Default delivery schedule, Svix-like: the delay in ms before attempt 1, 2, ... 8. Attempt 1 is immediate,
 * then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: about 27.6 h of trying, 8 attempts at most.
 */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = Object.freeze([
  0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
]);

/** Default cap for a receiver's `Retry-After`: 24 h. */
export const DEFAULT_MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

/** What a delivery attempt produced: an HTTP status, or a failure before any status. */
export type DeliveryAttemptOutcome = number | 'network-error' | 'timeout' | 'unsafe';

/**
 * - `success`: delivered;
 * - `retry`: try again later (per the schedule);
 * - `disable`: the receiver asked us to stop (410 Gone): disable the endpoint;
 * - `final`: failed, and retrying will not help.
 */
export type DeliveryClassification = 'success' | 'retry' | 'disable' | 'final';

/**
 * Classifies an attempt's outcome. 2xx success; 410 disable; 408, 429, 5xx, network errors and timeouts
 * retry; 3xx final (redirects are not followed); other 4xx, 1xx, unsafe targets and nonsense final.
 */
export function classifyResponse(outcome: DeliveryAttemptOutcome): DeliveryClassification {
  if (outcome === 'network-error' || outcome === 'timeout') return 'retry';
  if (outcome === 'unsafe' || !Number.isInteger(outcome)) return 'final';
  if (outcome >= 200 && outcome <= 299) return 'success';
  if (outcome === 410) return 'disable';
  if (outcome === 408 || outcome === 429 || (outcome >= 500 && outcome <= 599)) return 'retry';
  return 'final';
}

/**
 * Parses a `Retry-After` header: delta-seconds (`120`) or an HTTP date (`Wed, 21 Oct 2015 07:28:00 GMT`).
 * @param now the reference time for HTTP dates (Date or epoch ms), default now.
 * @returns the wait in ms (a date in the past gives 0), capped to `maxMs`; undefined when absent or invalid.
 */
export function parseRetryAfter(
  header: string | readonly string[] | null | undefined,
  now: Date | number = Date.now(),
  maxMs: number = DEFAULT_MAX_RETRY_AFTER_MS,
): number | undefined {
  const value = (typeof header === 'string' ? header : header?.[0])?.trim();
  if (value === undefined || value === '') return undefined;
  let ms: number;
  if (/^\d+$/.test(value)) {
    ms = Number(value) * 1000;
  } else {
    // An HTTP date always has letters (day and month names); this rejects "1.5", "-3" and the like,
    // which Date.parse would otherwise read as some date.
    const at = /[a-z]/i.test(value) ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(at)) return undefined;
    ms = Math.max(0, at - (now instanceof Date ? now.getTime() : now));
  }
  return Math.min(ms, maxMs);
}

/** Options of the {@link RetryPolicy}. */
export interface RetryPolicyOptions {
  /** Delay in ms before attempt 1..n; its length is the maximum number of attempts. Default: Svix-like. */
  schedule?: readonly number[];
  /** Relative jitter applied to non-zero delays: 0.2 means ±20 %. Default 0.2. */
  jitter?: number;
  /** Cap applied to a `Retry-After` passed to {@link RetryPolicy.nextDelay}. Default 24 h. */
  maxRetryAfterMs?: number;
  /** Random source in [0, 1), injectable for tests. Default Math.random. */
  random?: () => number;
}

/** When to try a webhook delivery again. Stateless apart from its configuration. */
export class RetryPolicy {
  /** The schedule in use (delay before attempt 1..n). */
  readonly schedule: readonly number[];
  private readonly jitter: number;
  private readonly maxRetryAfterMs: number;
  private readonly random: () => number;

  constructor(options: RetryPolicyOptions = {}) {
    const schedule = options.schedule ?? DEFAULT_RETRY_SCHEDULE_MS;
    if (schedule.length === 0 || schedule.some((delay) => !Number.isFinite(delay) || delay < 0)) {
      throw new RangeError('Retry schedule must be a non-empty list of non-negative finite delays');
    }
    const jitter = options.jitter ?? 0.2;
    if (!(jitter >= 0 && jitter < 1)) throw new RangeError('Retry jitter must be in [0, 1)');
    this.schedule = Object.freeze([...schedule]);
    this.jitter = jitter;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
    this.random = options.random ?? Math.random;
  }

  /** The maximum number of attempts (the schedule's length). */
  get maxAttempts(): number {
    return this.schedule.length;
  }

  /**
   * The delay before the next attempt.
   * @param attemptsMade attempts already made (0 before the first one).
   * @param retryAfterMs the receiver's `Retry-After`, in ms (see {@link parseRetryAfter}); it can lengthen
   *   the wait, never shorten it.
   * @returns ms to wait, or undefined when all attempts are used up.
   */
  nextDelay(attemptsMade: number, retryAfterMs?: number): number | undefined {
    if (!Number.isInteger(attemptsMade) || attemptsMade < 0) {
      throw new RangeError(`attemptsMade must be a non-negative integer, got ${attemptsMade}`);
    }
    if (attemptsMade >= this.schedule.length) return undefined;
    const base = this.schedule[attemptsMade];
    const delay = base === 0 ? 0 : Math.round(base * (1 + (this.random() * 2 - 1) * this.jitter));
    const receiverWish =
      retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs > 0
        ? Math.min(retryAfterMs, this.maxRetryAfterMs)
        : 0;
    return Math.max(delay, receiverWish);
  }
}
