import type { Socket } from 'socket.io';
import type { RealtimeUser } from '../realtime-options.js';
import type { ClusterSocket, QueryAnswer, QueryKind, SocketFilter } from '../query/socket-query.js';

/** The user `authenticate` returned for a socket, if any. */
export function userOf(socket: Socket): RealtimeUser | undefined {
  const user = (socket.data as { user?: RealtimeUser } | undefined)?.user;
  return user && typeof user.id === 'string' ? user : undefined;
}

/** Whether `socket` matches Socket.IO's room rules for `filter` (rooms: any of; except: none of). */
function matches(socket: Socket, filter: SocketFilter): boolean {
  if (filter.except.some((room) => socket.rooms.has(room))) return false;
  return filter.rooms.length === 0 || filter.rooms.some((room) => socket.rooms.has(room));
}

/** This replica's connected sockets, by namespace: the answers it gives to cluster-wide queries. */
export class LocalSockets {
  private readonly sockets = new Map<string, Set<Socket>>();
  private emptied?: () => void;

  constructor(private readonly nodeId: string) {}

  get size(): number {
    let n = 0;
    for (const set of this.sockets.values()) n += set.size;
    return n;
  }

  add(socket: Socket): void {
    const name = socket.nsp.name;
    let set = this.sockets.get(name);
    if (!set) this.sockets.set(name, (set = new Set()));
    set.add(socket);
  }

  delete(socket: Socket): void {
    this.sockets.get(socket.nsp.name)?.delete(socket);
    if (this.size === 0) this.emptied?.();
  }

  all(): Socket[] {
    return [...this.sockets.values()].flatMap((set) => [...set]);
  }

  /** Resolves once no socket is left (or at once). */
  whenEmpty(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => (this.emptied = resolve));
  }

  answer(kind: QueryKind, filter: SocketFilter): QueryAnswer {
    const found = [...(this.sockets.get(filter.namespace) ?? [])].filter(
      (s) => s.connected && matches(s, filter),
    );
    if (kind === 'count') return { count: found.length };
    return { sockets: found.map((socket) => this.describe(socket)) };
  }

  private describe(socket: Socket): ClusterSocket {
    return {
      id: socket.id,
      nodeId: this.nodeId,
      userId: userOf(socket)?.id,
      rooms: [...socket.rooms],
      data: socket.data as unknown,
    };
  }
}
