import type { NodeInfo } from '../node-identity.js';

/** One live member as the store records it. */
export interface MemberRecord extends NodeInfo {
  /**
   * Time of its last heartbeat as of the read that returned it, on the store's clock (epoch ms). Heartbeats return
   * the members only when membership changed, so in `ClusterService.members()` this is as of the last change.
   */
  readonly lastSeen: number;
}

/** A read of the live members, with the membership version it reflects. */
export interface MembershipSnapshot {
  /**
   * Opaque; changes whenever a member joins, leaves, is removed or changes its info (a new incarnation, other
   * metadata), and never on a mere heartbeat. Never repeats a value after the store lost its data.
   */
  readonly version: string;
  /** Live members, sorted by id. Their `lastSeen` is as of this read. */
  readonly members: readonly MemberRecord[];
}

/** What one heartbeat round trip did. */
export interface BeatResult {
  /** This call created the record (first beat, or a beat after being removed, or a new incarnation). */
  readonly created: boolean;
  /** Ids of members this call removed because their heartbeat was older than the failure timeout. */
  readonly removed: readonly string[];
  /** The membership version after the beat. */
  readonly version: string;
  /**
   * Live members after the beat, this node included; `undefined` when `version` equals the `knownVersion` the
   * caller passed: nobody joined, left or changed since the caller's read, so its member list still holds.
   */
  readonly members?: readonly MemberRecord[];
}

/**
 * A push from the store that membership changed, never the only source of truth (a lost notice is caught by the
 * next heartbeat's version check). A notice that carries its change (`from`, `to`, and `member` on `joined`) is
 * applied by a node whose view is at `from` without re-reading the members, so a join costs every node one notice
 * instead of one read of all members; any other notice makes the node re-read.
 */
export interface MembershipNotice {
  readonly type: 'joined' | 'left';
  readonly id: string;
  /** The membership version before the change (the notices of one change share `from` and `to`). */
  readonly from?: string;
  /** The membership version after the change. */
  readonly to?: string;
  /** On `joined`: the member as the store recorded it (a new member, a new incarnation, or changed info). */
  readonly member?: MemberRecord;
}

/** A notice that can be applied to a view without reading the members: the change it carries, complete. */
export type ApplicableNotice =
  | { readonly type: 'joined'; readonly id: string; readonly to: string; readonly member: MemberRecord }
  | { readonly type: 'left'; readonly id: string; readonly to: string };

/**
 * Whether a view at `knownVersion` may apply `notice` without a read: the notice carries its change (and, on a
 * join, the member), and the view is at the change's `from` — or already at its `to`, since the notices of one
 * change share both. `undefined` when only a read can tell.
 */
export function applicableNotice(
  knownVersion: string | undefined,
  { type, id, from, to, member }: MembershipNotice,
): ApplicableNotice | undefined {
  if (from === undefined || to === undefined || knownVersion === undefined) return undefined;
  if (knownVersion !== from && knownVersion !== to) return undefined;
  if (type === 'left') return { type, id, to };
  return member ? { type, id, to, member } : undefined;
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
   * (each removal done by exactly one caller, announced with a `left` notice, and bumping the version), and read
   * the live members unless the membership version is still `knownVersion` — then only the version travels, so a
   * steady cluster's heartbeats cost O(1) bytes each instead of O(members).
   */
  beat(self: NodeInfo, failureTimeoutMs: number, knownVersion?: string): Promise<BeatResult>;
  /** Live members (heartbeat within `failureTimeoutMs` on the store clock) and the version they reflect. */
  list(failureTimeoutMs: number): Promise<MembershipSnapshot>;
  /** Removes `self` at once, bumps the version and announces it; does nothing if another incarnation holds the id. */
  leave(self: NodeInfo): Promise<void>;
  /** Stops notices and releases what `init` acquired. Does not close shared connections. */
  close(): Promise<void>;
}
