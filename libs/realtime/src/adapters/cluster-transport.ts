import type { Namespace, ServerOptions } from 'socket.io';
import type { Adapter } from 'socket.io-adapter';
import type { RealtimeAdapterKind } from '../realtime-options.js';
import type { RoomEmitter } from '../emitters/room-emitter.js';
import type { ClusterMessenger } from '../query/cluster-messenger.js';

/** Builds a namespace's adapter (Socket.IO's `adapter` server option, as a factory). */
export type AdapterFactory = (nsp: Namespace) => Adapter;

/**
 * Everything that carries realtime traffic between replicas in one adapter mode, on Shoal's connections:
 * the Socket.IO adapter (socket-serving replicas) or an emitter (replicas with `sockets: false`), and the messenger
 * for cluster-wide queries. `close()` closes the clients this transport created, and only those.
 */
export interface ClusterTransport {
  readonly kind: RealtimeAdapterKind;
  /** Undefined for `memory` (Socket.IO's in-process adapter) and on replicas that serve no sockets. */
  readonly adapter?: AdapterFactory;
  /** Server options the mode needs (connection-state recovery for `streams`). */
  readonly serverOptions: Partial<ServerOptions>;
  /** On replicas that serve no sockets. */
  readonly emitter?: RoomEmitter;
  readonly messenger: ClusterMessenger;
  close(): Promise<void>;
}
