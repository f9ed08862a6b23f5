import { Emitter } from '@socket.io/postgres-emitter';
import type { Pool } from 'pg';
import { EmitOnlyReplicaError } from '../errors/emit-only-replica.error.js';
import type { BroadcastTarget, RoomEmitter } from './room-emitter.js';

/** `@socket.io/postgres-emitter`: NOTIFY in the Postgres adapter's format (large payloads through its table). */
export class PostgresRoomEmitter implements RoomEmitter {
  readonly via = 'emitter';
  private readonly namespaces = new Map<string, Emitter>();

  constructor(
    private readonly pool: Pool,
    private readonly options: { channelPrefix: string; tableName: string },
  ) {}

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

  private operator(target: BroadcastTarget) {
    if (target.local) throw new EmitOnlyReplicaError('A local emit');
    let emitter = this.namespaces.get(target.namespace);
    if (!emitter) {
      // Built per namespace: the package's own `of()` drops the channel prefix and table name.
      emitter = new Emitter(this.pool, target.namespace, this.options);
      this.namespaces.set(target.namespace, emitter);
    }
    let operator = emitter.to([...target.rooms]);
    if (target.except.length > 0) operator = operator.except([...target.except]);
    return operator;
  }
}
