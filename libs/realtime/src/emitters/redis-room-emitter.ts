import type { RedisClient } from '@shoal/cluster';
import { Emitter } from '@socket.io/redis-emitter';
import type { BroadcastTarget, RoomEmitter } from './room-emitter.js';

/** `@socket.io/redis-emitter`: publishes in the classic Redis adapter's format on its channels. */
export class RedisRoomEmitter implements RoomEmitter {
  readonly via = 'emitter';
  private readonly root: Emitter;
  private readonly namespaces = new Map<string, Emitter>();

  constructor(redis: RedisClient, key: string) {
    this.root = new Emitter(redis, { key });
  }

  emit(target: BroadcastTarget, event: string, args: readonly unknown[]): void {
    if (target.local) return; // this replica holds no sockets
    this.operator(target).emit(event, ...args);
  }

  socketsJoin(target: BroadcastTarget, rooms: readonly string[]): void {
    if (target.local) return; // this replica holds no sockets
    this.operator(target).socketsJoin([...rooms]);
  }

  socketsLeave(target: BroadcastTarget, rooms: readonly string[]): void {
    if (target.local) return; // this replica holds no sockets
    this.operator(target).socketsLeave([...rooms]);
  }

  disconnectSockets(target: BroadcastTarget, close: boolean): void {
    if (target.local) return; // this replica holds no sockets
    this.operator(target).disconnectSockets(close);
  }

  private operator(target: BroadcastTarget) {
    let emitter = this.namespaces.get(target.namespace);
    if (!emitter) {
      emitter = this.root.of(target.namespace);
      this.namespaces.set(target.namespace, emitter);
    }
    let operator = emitter.to([...target.rooms]);
    if (target.except.length > 0) operator = operator.except([...target.except]);
    return operator;
  }
}
