/** A held distributed lock. */
export interface LockHandle {
  readonly key: string;
  /**
   * Fencing token of this acquisition: strictly greater than every earlier acquisition's token for the same key.
   * A Redis lock is for efficiency; for correctness, have the resource reject writes with an older token.
   */
  readonly token: number;
  /** Fires when the lock could not be extended (it may be held by someone else now). */
  readonly signal: AbortSignal;
  /** Releases the lock. Idempotent. */
  release(): Promise<void>;
}

/** Options of a lock acquisition. */
export interface LockOptions {
  /** Time-to-live; extended automatically while held. Default 10000. */
  ttl?: number;
  /** How long `lock()` waits for a held lock before `LockTimeoutError`. Default 10000; 0 tries once. */
  wait?: number;
}
