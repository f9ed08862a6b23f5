/** Who holds a lease, as the store says. */
export interface LeaseHolder {
  readonly owner: string;
  /** The fencing token of the holder's term. */
  readonly token: number;
  /** Time left before it expires, on the store's clock. */
  readonly remainingMs: number;
}

/** Outcome of one attempt to take a lease. */
export type AcquireResult =
  | { readonly acquired: true; readonly token: number }
  | { readonly acquired: false; readonly holder: LeaseHolder | null };

/** One term to extend in {@link LeaseStore.renewMany}. */
export interface LeaseRenewal {
  readonly lease: string;
  readonly token: number;
}

/**
 * Named, TTL-bound leases with fencing tokens. Implementations: Redis, Postgres, memory; one contract suite.
 *
 * - `acquire` succeeds only when nobody holds the lease, and each success returns a token strictly greater than
 *   every token ever returned for that lease;
 * - `renew` and `release` succeed only for the current owner with the current token;
 * - expiry is decided on the store's clock.
 */
export interface LeaseStore {
  /** Prepares the store; `onReleased(name)` is called when any node hands a lease back. */
  init(onReleased: (lease: string) => void): Promise<void>;
  acquire(lease: string, owner: string, ttlMs: number): Promise<AcquireResult>;
  /** Extends the term by `ttlMs` from now; false when the caller no longer holds it. */
  renew(lease: string, owner: string, token: number, ttlMs: number): Promise<boolean>;
  /**
   * `renew` for several leases of one owner in one store operation (one script, one statement): `result[i]` is what
   * `renew(renewals[i].lease, owner, renewals[i].token, ttlMs)` would have answered, with the same fencing check
   * for each.
   */
  renewMany(renewals: readonly LeaseRenewal[], owner: string, ttlMs: number): Promise<boolean[]>;
  /** Hands the lease back and wakes waiting nodes; false when the caller no longer held it. */
  release(lease: string, owner: string, token: number): Promise<boolean>;
  /** The current holder, or null when the lease is free. */
  holder(lease: string): Promise<LeaseHolder | null>;
  close(): Promise<void>;
}
