/** One holding of a lease by this node: from acquisition to loss or release. */
export interface LeaseTerm {
  readonly lease: string;
  /** Fencing token: strictly greater than the token of every earlier term of this lease. */
  readonly token: number;
  /** Fires (with a `LeaseLostError` reason) when the term ends. */
  readonly signal: AbortSignal;
  readonly acquiredAt: Date;
}

/** A change of leadership seen by this node. */
export interface LeadershipEvent {
  readonly type: 'acquired' | 'lost';
  readonly lease: string;
  readonly nodeId: string;
  readonly token: number;
  /** Why a term ended (`lost` only). */
  readonly reason?: 'expired' | 'taken' | 'released' | 'shutdown';
}

/** The holder of a lease as this node knows it. */
export interface LeaseHolderView {
  readonly id: string;
  readonly token: number;
}
