import { MessageType } from 'socket.io-adapter';
import type { BroadcastTarget, RoomEmitter } from './room-emitter.js';

/** What an adapter built on socket.io-adapter's `ClusterAdapter` reads off the wire (JSON form). */
export interface ClusterWireMessage {
  readonly uid: 'emitter';
  readonly nsp: string;
  readonly type: MessageType;
  readonly data: Record<string, unknown>;
}

/** The Socket.IO EVENT packet type. */
const EVENT = 2;

function hasBinary(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return true;
  return Object.values(value).some(hasBinary);
}

/**
 * An emitter for the adapters built on socket.io-adapter's `ClusterAdapter` (sharded pub/sub, Redis Streams): it
 * writes the messages those adapters exchange, with the sender id `emitter` they accept from a process that is
 * not one of them. JSON only: binary arguments need a socket-serving replica.
 */
export class ClusterMessageEmitter implements RoomEmitter {
  readonly via = 'emitter';

  constructor(private readonly publish: (message: ClusterWireMessage) => void) {}

  emit(target: BroadcastTarget, event: string, args: readonly unknown[]): void {
    if (target.local) return; // this replica holds no sockets
    if (hasBinary(args)) {
      throw new TypeError(
        'emits from a replica with sockets: false carry JSON only (this one has binary data)',
      );
    }
    this.send(target, MessageType.BROADCAST, {
      packet: { type: EVENT, data: [event, ...args], nsp: target.namespace },
    });
  }

  socketsJoin(target: BroadcastTarget, rooms: readonly string[]): void {
    this.send(target, MessageType.SOCKETS_JOIN, { rooms: [...rooms] });
  }

  socketsLeave(target: BroadcastTarget, rooms: readonly string[]): void {
    this.send(target, MessageType.SOCKETS_LEAVE, { rooms: [...rooms] });
  }

  disconnectSockets(target: BroadcastTarget, close: boolean): void {
    this.send(target, MessageType.DISCONNECT_SOCKETS, { close });
  }

  private send(target: BroadcastTarget, type: MessageType, data: Record<string, unknown>): void {
    if (target.local) return; // this replica holds no sockets
    const opts = { rooms: [...target.rooms], except: [...target.except], flags: {} };
    this.publish({ uid: 'emitter', nsp: target.namespace, type, data: { ...data, opts } });
  }
}
