import { randomUUID } from 'node:crypto';
import { Logger, type MessageEvent } from '@nestjs/common';
import { Observable, type Subscriber } from 'rxjs';
import type { Namespace } from 'socket.io';
import { EmitOnlyReplicaError } from '../errors/emit-only-replica.error.js';
import type { RealtimeRuntime } from '../gateway/realtime-runtime.js';
import type { RealtimeMetrics } from '../realtime.metrics.js';
import { SseHub, type RoomEvent } from './sse-hub.js';

/** Options of `RealtimeService.roomEvents`. */
export interface RoomEventsOptions {
  /** Namespace of the room. Default: the module's `namespace`. */
  namespace?: string;
  /** The `Last-Event-ID` request header: replay what was missed (the `streams` adapter only). */
  lastEventId?: string;
}

/** Compares Redis stream ids (`ms-seq`). */
function compareOffsets(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am !== bm ? am - bm : as - bs;
}

function toMessage(event: RoomEvent): MessageEvent {
  const data = event.args.length === 1 ? event.args[0] : event.args;
  const message: MessageEvent = { type: event.event, data: JSON.stringify(data ?? null) };
  return event.offset === undefined ? message : { ...message, id: event.offset };
}

/** The SSE streams of one replica: each follows one room through the adapter tap, with heartbeats and resume. */
export class SseStreams {
  private readonly logger = new Logger('Shoal:Realtime');
  private readonly open = new Set<Subscriber<MessageEvent>>();

  constructor(
    private readonly runtime: RealtimeRuntime,
    private readonly metrics: RealtimeMetrics,
    private readonly namespace: (name: string) => Namespace,
  ) {
    runtime.onStopAccepting(() => {
      // Clients reconnect (EventSource does by itself), to a replica that is not shutting down.
      for (const subscriber of [...this.open]) subscriber.complete();
    });
  }

  roomEvents(room: string, options: RoomEventsOptions): Observable<MessageEvent> {
    return new Observable<MessageEvent>((subscriber) => {
      if (!this.runtime.config.sockets) {
        subscriber.error(new EmitOnlyReplicaError('Streaming a room as SSE'));
        return;
      }
      if (!this.runtime.isAccepting) {
        subscriber.complete();
        return;
      }
      const name = options.namespace ?? this.runtime.config.namespace;
      const nsp = this.namespace(name); // makes sure the namespace, and so its adapter subscription, exists
      let lastOffset: string | undefined;
      let live = false;
      const buffered: RoomEvent[] = [];
      const send = (event: RoomEvent) => {
        if (event.offset !== undefined) {
          if (lastOffset !== undefined && compareOffsets(event.offset, lastOffset) <= 0) return;
          lastOffset = event.offset;
        }
        subscriber.next(toMessage(event));
      };
      const unsubscribe = this.runtime.sse.subscribe(name, room, (event) =>
        live ? send(event) : buffered.push(event),
      );
      // The stream takes a place in the room under an id no socket has, so adapters that skip rooms with no local
      // member (classic Redis) or subscribe per room (sharded) deliver the room here; no socket means no delivery to
      // it, and Shoal's queries never list it.
      const member = `sse:${randomUUID()}`;
      void nsp.adapter.addAll(member, new Set([room]));
      const heartbeat = setInterval(
        () => subscriber.next({ comment: 'heartbeat' }),
        this.runtime.config.sseHeartbeatInterval,
      );
      this.open.add(subscriber);
      this.metrics.sseClients.inc();
      void this.replay(nsp, room, options.lastEventId)
        .then((missed) => missed.forEach(send))
        .finally(() => {
          live = true;
          buffered.splice(0).forEach(send);
        });
      return () => {
        unsubscribe();
        void nsp.adapter.del(member, room);
        clearInterval(heartbeat);
        this.open.delete(subscriber);
        this.metrics.sseClients.dec();
      };
    });
  }

  /** What the stream holds for `room` after `lastEventId` (the `streams` adapter's session restore). */
  private async replay(nsp: Namespace, room: string, lastEventId: string | undefined): Promise<RoomEvent[]> {
    if (!lastEventId || this.runtime.transport.kind !== 'streams') return [];
    const pid = randomUUID();
    try {
      nsp.adapter.persistSession({ pid, sid: pid, rooms: [room], data: {} });
      const session = await nsp.adapter.restoreSession(pid, lastEventId);
      return (session?.missedPackets ?? []).map((data: unknown[]) => SseHub.replayed(data));
    } catch (error) {
      this.logger.debug(`SSE resume from ${lastEventId} not possible (${String(error)}): live events only`);
      return [];
    }
  }
}
