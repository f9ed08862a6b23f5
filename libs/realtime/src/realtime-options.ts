import type { Registry } from 'prom-client';
import type { ServerOptions } from 'socket.io';
import type { Handshake } from './gateway/handshake.js';

/** Which Socket.IO adapter carries messages between the replicas. */
export type RealtimeAdapterKind = 'redis' | 'sharded' | 'streams' | 'postgres' | 'memory';

/**
 * The user a handshake authenticates as. `id` keys presence and the user's room; any other fields are kept on the
 * socket (`socket.data.user`) for your handlers.
 */
export interface RealtimeUser {
  readonly id: string;
  readonly [key: string]: unknown;
}

/**
 * Checks a handshake before any gateway handler runs. Return the user, or `null` to refuse the socket with
 * `unauthorizedMessage`; throw `SocketRefusedError` to refuse it with a message of your own.
 */
export type RealtimeAuthenticate = (
  handshake: Handshake,
) => RealtimeUser | null | undefined | Promise<RealtimeUser | null | undefined>;

/** Options of `RealtimeModule.forRoot()`. Every duration is in milliseconds. */
export interface RealtimeModuleOptions {
  /**
   * How messages travel between replicas: `redis` (classic pub/sub, default when ClusterModule has Redis),
   * `sharded` (sharded pub/sub, Redis 7 / Redis Cluster), `streams` (Redis Streams, with connection-state recovery),
   * `postgres` (LISTEN/NOTIFY, default when ClusterModule has Postgres but no Redis), `memory` (one process).
   */
  adapter?: RealtimeAdapterKind;
  /**
   * `false`: this replica serves no sockets (gateways get a server that is not attached to HTTP) but emits to every
   * other replica's sockets through an emitter. Default true.
   */
  sockets?: boolean;
  /** The namespace `RealtimeService` and the SSE helper use unless told otherwise. Default `/`. */
  namespace?: string;
  /** Handshake authentication, run in `io.use` of every namespace before any gateway handler. Default: none. */
  authenticate?: RealtimeAuthenticate;
  /** `connect_error` message of a socket `authenticate` refused. Default `unauthorized`. */
  unauthorizedMessage?: string;
  /** The room every socket of a user joins on connect. Default `user:<id>`. */
  userRoom?: (userId: string) => string;
  /** Track who is online across the cluster (needs `authenticate`). Default true. */
  presence?: boolean;
  /** Longest a cluster-wide query (`fetchSockets`, `socketCount`) waits for the other replicas. Default 1000. */
  queryTimeout?: number;
  /** At shutdown, how long disconnect handlers and presence clean-up get before the connections close. Default 5000. */
  shutdownGracePeriod?: number;
  /** Socket.IO server options for every gateway (`cors`, `pingInterval`...); a gateway's own options win. */
  server?: Partial<ServerOptions>;
  /**
   * `sharded` adapter: `static` (default: one channel per namespace), `dynamic` (plus a channel per public room, so a
   * replica only receives the rooms it has sockets in) or `dynamic-private`. With the dynamic modes a socket that
   * joins a room no other socket of its replica is in may miss what is emitted during the round trip the replica
   * takes to subscribe to the room's channel.
   */
  subscriptionMode?: 'static' | 'dynamic' | 'dynamic-private';
  /** `streams` adapter: approximate entries kept in the stream. Default 10000. */
  streamMaxLen?: number;
  /** `streams` adapter: how long a disconnected client can come back and get what it missed. Default 120000. */
  maxDisconnectionDuration?: number;
  /** SSE: comment line sent this often so proxies keep the stream open. Default 15000. */
  sseHeartbeatInterval?: number;
  /** How often each replica sends a fan-out probe for the latency histogram; 0 turns it off. Default 10000. */
  fanoutProbeInterval?: number;
  /** Registry for realtime metrics. Default: the ClusterModule one. */
  metricsRegistry?: Registry;
  /** Let the `memory` adapter (and its presence store) start with `NODE_ENV=production`. Default false. */
  allowMemoryStoreInProduction?: boolean;
}

/** Defaults of `RealtimeModule` options. */
export const REALTIME_DEFAULTS = {
  sockets: true,
  namespace: '/',
  unauthorizedMessage: 'unauthorized',
  presence: true,
  queryTimeout: 1000,
  shutdownGracePeriod: 5000,
  subscriptionMode: 'static',
  streamMaxLen: 10_000,
  maxDisconnectionDuration: 120_000,
  sseHeartbeatInterval: 15_000,
  fanoutProbeInterval: 10_000,
} as const;

/** The default room of a user's sockets. */
export function defaultUserRoom(userId: string): string {
  return `user:${userId}`;
}
