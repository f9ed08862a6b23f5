import type { NodeInfo } from '../node-identity.js';

/** One live member as the store records it. */
export interface MemberRecord extends NodeInfo {
  /** Time of its last heartbeat, on the store's clock (epoch ms). */
  readonly lastSeen: number;
}

/** What one heartbeat round trip did. */
export interface BeatResult {
  /** This call created the record (first beat, or a beat after being removed, or a new incarnation). */
  readonly created: boolean;
  /** Ids of members this call removed because their heartbeat was older than the failure timeout. */
  readonly removed: readonly string[];
  /** Live members after the beat, this node included. */
  readonly members: readonly MemberRecord[];
}

/** A push from the store that membership changed; a hint to re-read it, never the only source of truth. */
export interface MembershipNotice {
  readonly type: 'joined' | 'left';
  readonly id: string;
}

/**
 * Where membership lives. Implementations: Redis, Postgres, memory. All share one contract test suite.
 *
 * Liveness decisions use the store's clock, never the caller's.
 */
export interface MembershipStore {
  /** Prepares the store (schema, scripts, subscriptions). Idempotent and safe to run from many nodes at once. */
  init(onNotice: (notice: MembershipNotice) => void): Promise<void>;
  /**
   * One atomic step: record a heartbeat of `self`, remove members silent for longer than `failureTimeoutMs`
   * (each removal done by exactly one caller, announced with a `left` notice), and read the live members.
   */
  beat(self: NodeInfo, failureTimeoutMs: number): Promise<BeatResult>;
  /** Live members (heartbeat within `failureTimeoutMs` on the store clock). */
  list(failureTimeoutMs: number): Promise<MemberRecord[]>;
  /** Removes `self` at once and announces it; does nothing if another incarnation now holds the id. */
  leave(self: NodeInfo): Promise<void>;
  /** Stops notices and releases what `init` acquired. Does not close shared connections. */
  close(): Promise<void>;
}
