import { Injectable, type MessageEvent } from '@nestjs/common';
import type { Observable } from 'rxjs';
import type { Server } from 'socket.io';
import { EmitOnlyReplicaError } from './errors/emit-only-replica.error.js';
import { RealtimeRuntime } from './gateway/realtime-runtime.js';
import type { ClusterSocket } from './query/socket-query.js';
import { RealtimeBackend } from './realtime-backend.js';
import { RealtimeBroadcast } from './realtime-broadcast.js';
import { RealtimeMetrics } from './realtime.metrics.js';
import { SseStreams, type RoomEventsOptions } from './sse/sse-streams.js';

/**
 * Emit to a room, a user or everyone, query sockets, and stream rooms as SSE — from any replica, whichever adapter
 * is configured. On a replica that serves sockets, emits go through its Socket.IO server (the adapter fans them
 * out); on one with `sockets: false`, through an emitter that publishes straight to the adapter's channel.
 *
 * ```ts
 * realtime.to('orders').emit('order.placed', order);
 * realtime.toUser(userId).emit('notice', { text });
 * await realtime.in('orders').fetchSockets(); // what the live replicas answered within queryTimeout
 * ```
 */
@Injectable()
export class RealtimeService {
  private readonly sse: SseStreams;

  constructor(
    private readonly runtime: RealtimeRuntime,
    private readonly backend: RealtimeBackend,
    metrics: RealtimeMetrics,
  ) {
    this.sse = new SseStreams(runtime, metrics, (name) => backend.namespace(name));
  }

  /** Every socket of `namespace`. */
  of(namespace: string): RealtimeBroadcast {
    return new RealtimeBroadcast(this.backend, { namespace, rooms: [], except: [] });
  }

  /** Sockets in `room` (or any of `rooms`) of the default namespace. */
  to(room: string | readonly string[]): RealtimeBroadcast {
    return this.all.to(room);
  }

  /** Same as `to`. */
  in(room: string | readonly string[]): RealtimeBroadcast {
    return this.all.to(room);
  }

  /** Every socket of a user (or users), on every replica, in the default namespace. */
  toUser(userId: string | readonly string[]): RealtimeBroadcast {
    return this.all.toUser(userId);
  }

  /** Every socket of the default namespace except those in `room`. */
  except(room: string | readonly string[]): RealtimeBroadcast {
    return this.all.except(room);
  }

  /** This replica's sockets of the default namespace only. */
  get local(): RealtimeBroadcast {
    return this.all.local;
  }

  /** Sends `event` to every socket of the default namespace, on every replica. */
  emit(event: string, ...args: unknown[]): void {
    this.all.emit(event, ...args);
  }

  /** Every socket of the default namespace, from the replicas that answered within `queryTimeout`. */
  fetchSockets(): Promise<ClusterSocket[]> {
    return this.all.fetchSockets();
  }

  /** Sockets of the default namespace, cluster-wide (same rules as `fetchSockets`). */
  socketCount(): Promise<number> {
    return this.all.socketCount();
  }

  /**
   * The events emitted to `room`, anywhere in the cluster, as server-sent events for Nest's `@Sse()`: `type` is the
   * event name, `data` its JSON, and a comment line every `sseHeartbeatInterval`. With the `streams` adapter each
   * event has an `id`, and `lastEventId` (the client's `Last-Event-ID` header) replays what the client missed.
   */
  roomEvents(room: string, options: RoomEventsOptions = {}): Observable<MessageEvent> {
    return this.sse.roomEvents(room, options);
  }

  /** This replica's Socket.IO server (its first gateway's, or the one Shoal made when there is no gateway). */
  get server(): Server {
    if (!this.runtime.config.sockets) throw new EmitOnlyReplicaError('The Socket.IO server');
    return this.runtime.primaryServer();
  }

  private get all(): RealtimeBroadcast {
    return this.of(this.runtime.config.namespace);
  }
}
