import type { BroadcastOperator, Namespace } from 'socket.io';
import type { BroadcastTarget, RoomEmitter } from './room-emitter.js';

type Operator = BroadcastOperator<Record<string, (...args: unknown[]) => void>, unknown>;

/** Emits through this replica's Socket.IO server: its adapter delivers locally and fans out to the others. */
export class ServerRoomEmitter implements RoomEmitter {
  readonly via = 'server';

  constructor(private readonly namespace: (name: string) => Namespace) {}

  emit(target: BroadcastTarget, event: string, args: readonly unknown[]): void {
    this.operator(target).emit(event, ...args);
  }

  socketsJoin(target: BroadcastTarget, rooms: readonly string[]): void {
    this.operator(target).socketsJoin([...rooms]);
  }

  socketsLeave(target: BroadcastTarget, rooms: readonly string[]): void {
    this.operator(target).socketsLeave([...rooms]);
  }

  disconnectSockets(target: BroadcastTarget, close: boolean): void {
    this.operator(target).disconnectSockets(close);
  }

  private operator(target: BroadcastTarget): Operator {
    const nsp = this.namespace(target.namespace);
    let operator = (target.local ? nsp.local : nsp.to([])) as Operator;
    if (target.rooms.length > 0) operator = operator.to([...target.rooms]);
    if (target.except.length > 0) operator = operator.except([...target.except]);
    return operator;
  }
}
