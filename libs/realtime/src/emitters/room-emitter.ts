import type { SocketFilter } from '../query/socket-query.js';

/** A broadcast: which sockets, and whether only this replica's. */
export interface BroadcastTarget extends SocketFilter {
  /** Only this replica's sockets (no cross-node fan-out). */
  readonly local?: boolean;
}

/**
 * Sends to sockets anywhere in the cluster: through this replica's Socket.IO server (whose adapter fans out), or,
 * on a replica that serves no sockets, through an emitter that publishes straight to the adapter's channel.
 * Fire-and-forget, like Socket.IO's own `emit`.
 */
export interface RoomEmitter {
  /** `server` or `emitter`: shown in metrics. */
  readonly via: 'server' | 'emitter';
  emit(target: BroadcastTarget, event: string, args: readonly unknown[]): void;
  socketsJoin(target: BroadcastTarget, rooms: readonly string[]): void;
  socketsLeave(target: BroadcastTarget, rooms: readonly string[]): void;
  disconnectSockets(target: BroadcastTarget, close: boolean): void;
}
