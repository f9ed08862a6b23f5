/** One replica's share of a user's sockets. */
export interface UserSockets {
  readonly nodeId: string;
  readonly sockets: number;
}

/** A socket-serving replica as the presence store knows it. */
export interface PresenceNode {
  readonly nodeId: string;
  /** How long ago (store clock, ms) the replica registered. */
  readonly registeredAgo: number;
}

/** Cluster-wide totals. */
export interface PresenceTotals {
  /** Distinct users with at least one socket. */
  readonly users: number;
  readonly sockets: number;
}

/**
 * Where presence lives: per replica, per user, a count of sockets. Implementations must guarantee:
 *
 * - `register(node, counts)` replaces everything the store holds for `node` with `counts` (a user → sockets map)
 *   and marks the node as socket-serving, atomically; `register(node, new Map())` starts a replica afresh.
 * - `connect` / `disconnect` add / remove one socket of a user on a registered node and return `true`; on a node
 *   the store does not know as registered (it was removed as dead, or the store lost its data) they change
 *   nothing and return `false`, so the caller re-registers with its full local state.
 * - `remove(node)` deletes every entry of `node` and its registration (a dead or departed replica), atomically;
 *   idempotent, so every survivor may run it.
 * - `user(id)` lists the replicas holding that user's sockets (never a count of 0); `totals()` counts distinct users
 *   and sockets over every registered node; several sockets of one user count as one user.
 */
export interface PresenceStore {
  /** Prepares the store (tables, scripts). Idempotent. */
  init(): Promise<void>;
  register(nodeId: string, counts: ReadonlyMap<string, number>): Promise<void>;
  connect(nodeId: string, userId: string): Promise<boolean>;
  disconnect(nodeId: string, userId: string): Promise<boolean>;
  remove(nodeId: string): Promise<void>;
  user(userId: string): Promise<UserSockets[]>;
  totals(): Promise<PresenceTotals>;
  nodes(): Promise<PresenceNode[]>;
}
