import type { BroadcastOperator, Namespace } from 'socket.io';
import type { BroadcastTarget, RoomEmitter } from './room-emitter.js';

type Operator = Pick<
  BroadcastOperator<Record<string, (...args: unknown[]) => void>, unknown>,
  'to' | 'except' | 'emit' | 'socketsJoin' | 'socketsLeave' | 'disconnectSockets'
>;

/** Emits through this replica's Socket.IO server: its adapter delivers locally and fans out to the others. */
export class ServerRoomEmitter implements RoomEmitter {
  readonly via = 'server';
  private readonly namespaces = new Map<string, Namespace>();

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

  /** The hot path of every emit: one namespace lookup, at most two operators. */
  private operator(target: BroadcastTarget): Operator {
    let nsp = this.namespaces.get(target.namespace);
    if (!nsp) {
      nsp = this.namespace(target.namespace);
      this.namespaces.set(target.namespace, nsp);
    }
    let operator: Operator = (target.local ? nsp.local : nsp) as unknown as Operator;
    if (target.rooms.length > 0) operator = operator.to(target.rooms as string[]) as unknown as Operator;
    if (target.except.length > 0)
      operator = operator.except(target.except as string[]) as unknown as Operator;
    return operator;
  }
}
