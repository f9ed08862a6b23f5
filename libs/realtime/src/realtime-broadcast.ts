import type { BroadcastTarget } from './emitters/room-emitter.js';
import type { ClusterSocket, QueryKind, QueryAnswer } from './query/socket-query.js';

/** What a `RealtimeBroadcast` acts through (implemented by `RealtimeService`). */
export interface BroadcastBackend {
  emit(target: BroadcastTarget, event: string, args: readonly unknown[], kind: 'room' | 'user' | 'all'): void;
  socketsJoin(target: BroadcastTarget, rooms: readonly string[]): void;
  socketsLeave(target: BroadcastTarget, rooms: readonly string[]): void;
  disconnectSockets(target: BroadcastTarget, close: boolean): void;
  query(kind: QueryKind, target: BroadcastTarget): Promise<QueryAnswer[]>;
  userRoom(userId: string): string;
}

const list = (value: string | readonly string[]): string[] =>
  typeof value === 'string' ? [value] : [...value];

/**
 * A selection of sockets anywhere in the cluster — a namespace, rooms, users, exclusions — and what can be done to
 * them, like Socket.IO's `io.to(room)`, from any replica (also one with `sockets: false`). Immutable: each call
 * returns a new selection.
 */
export class RealtimeBroadcast {
  constructor(
    private readonly backend: BroadcastBackend,
    private readonly target: BroadcastTarget,
    private readonly users = false,
  ) {}

  /** Adds rooms: sockets in any of them are selected. */
  to(room: string | readonly string[]): RealtimeBroadcast {
    return this.with({ rooms: [...this.target.rooms, ...list(room)] }, this.users);
  }

  /** Same as `to`. */
  in(room: string | readonly string[]): RealtimeBroadcast {
    return this.to(room);
  }

  /** Adds every socket of these users (their user rooms), on every replica. */
  toUser(userId: string | readonly string[]): RealtimeBroadcast {
    const rooms = list(userId).map((id) => this.backend.userRoom(id));
    return this.with(
      { rooms: [...this.target.rooms, ...rooms] },
      this.target.rooms.length === 0 || this.users,
    );
  }

  /** Leaves out sockets in any of these rooms. */
  except(room: string | readonly string[]): RealtimeBroadcast {
    return this.with({ except: [...this.target.except, ...list(room)] }, this.users);
  }

  /**
   * Only this replica's sockets. With an `@OnEvent(..., { scope: 'broadcast' })` handler, which runs on every
   * replica, a domain event reaches each socket exactly once.
   */
  get local(): RealtimeBroadcast {
    return this.with({ local: true }, this.users);
  }

  /** Sends `event` to the selected sockets, on every replica. Fire-and-forget, like Socket.IO. */
  emit(event: string, ...args: unknown[]): void {
    const kind = this.target.rooms.length === 0 ? 'all' : this.users ? 'user' : 'room';
    this.backend.emit(this.target, event, args, kind);
  }

  /** The selected sockets, from every live replica that answered within `queryTimeout`. Never rejects for a dead one. */
  async fetchSockets(): Promise<ClusterSocket[]> {
    const answers = await this.backend.query('sockets', this.target);
    return answers.flatMap((answer) => answer.sockets ?? []);
  }

  /** How many sockets are selected, counted like `fetchSockets`. */
  async socketCount(): Promise<number> {
    const answers = await this.backend.query('count', this.target);
    return answers.reduce((sum, answer) => sum + (answer.count ?? 0), 0);
  }

  /** Makes the selected sockets join `rooms`, on every replica. */
  socketsJoin(rooms: string | readonly string[]): void {
    this.backend.socketsJoin(this.target, list(rooms));
  }

  /** Makes the selected sockets leave `rooms`, on every replica. */
  socketsLeave(rooms: string | readonly string[]): void {
    this.backend.socketsLeave(this.target, list(rooms));
  }

  /** Disconnects the selected sockets; `close` also closes their underlying connection. */
  disconnectSockets(close = false): void {
    this.backend.disconnectSockets(this.target, close);
  }

  private with(change: Partial<BroadcastTarget>, users: boolean): RealtimeBroadcast {
    return new RealtimeBroadcast(this.backend, { ...this.target, ...change }, users);
  }
}
