/** The shape of an exponential backoff: the first delay, the ceiling, and the ± jitter fraction. */
export interface BackoffShape {
  /** Delay before the first retry, ms. */
  readonly initialMs: number;
  /** No delay exceeds this (before jitter), ms. */
  readonly maxMs: number;
  /** Each delay is scaled by a random factor in [1 − jitter, 1 + jitter); 0.2 unless given. */
  readonly jitter?: number;
}

/**
 * The delay before retry number `attempt` (1-based; anything below 1 counts as 1): `initialMs` doubling per attempt up
 * to `maxMs`, with jitter so replicas that failed together do not retry in lockstep.
 */
export function backoffDelay(attempt: number, { initialMs, maxMs, jitter = 0.2 }: BackoffShape): number {
  const doublings = Math.min(Math.max(0, attempt - 1), 30);
  const base = Math.min(maxMs, initialMs * 2 ** doublings);
  return Math.round(base * (1 - jitter + Math.random() * 2 * jitter));
}
