/** Which sockets a cluster-wide query or operation is about: a namespace, rooms (none = all) and exclusions. */
export interface SocketFilter {
  readonly namespace: string;
  /** Sockets in any of these rooms; empty: every socket of the namespace. */
  readonly rooms: readonly string[];
  /** Sockets in any of these rooms are left out. */
  readonly except: readonly string[];
}

/** A socket somewhere in the cluster, as `fetchSockets` returns it. */
export interface ClusterSocket {
  readonly id: string;
  /** The replica holding it. */
  readonly nodeId: string;
  /** The authenticated user, when `authenticate` is configured. */
  readonly userId?: string;
  readonly rooms: readonly string[];
  /** `socket.data` (JSON): what your gateway stored on the socket, including `user`. */
  readonly data: unknown;
}

/** One replica's answer to a query. */
export interface QueryAnswer {
  readonly sockets?: ClusterSocket[];
  readonly count?: number;
}

/** What a cluster-wide query gathered. */
export interface QueryResult {
  readonly answers: readonly QueryAnswer[];
  /** Replicas that were expected to answer but did not within the timeout (dead, paused, cut off). */
  readonly missing: readonly string[];
}

/** The kinds of query. */
export type QueryKind = 'sockets' | 'count';
