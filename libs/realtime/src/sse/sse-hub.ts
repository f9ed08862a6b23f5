import type { BroadcastOptions } from 'socket.io-adapter';
import type { TappedPacket } from './room-tap.js';

/** An event delivered to an SSE subscriber. */
export interface RoomEvent {
  readonly event: string;
  readonly args: readonly unknown[];
  /** Stream offset of the event (the `streams` adapter with connection-state recovery), usable as `Last-Event-ID`. */
  readonly offset?: string;
}

type Subscriber = (event: RoomEvent) => void;

/** Socket.IO's EVENT packet type. */
const EVENT = 2;

/**
 * Routes the broadcasts a replica's adapters deliver to the SSE streams open on it, by namespace and room, with
 * Socket.IO's own rules: a broadcast to no room reaches every stream of the namespace, to rooms only the streams of
 * those rooms, and never a stream whose room is excluded.
 */
export class SseHub {
  /** namespace → room → subscribers */
  private readonly rooms = new Map<string, Map<string, Set<Subscriber>>>();

  /**
   * @param offsetsInPackets whether delivered event packets end with their stream offset (`streams` adapter with
   * connection-state recovery: the adapter appends it to each event without acknowledgement that is not volatile).
   */
  constructor(private readonly offsetsInPackets: boolean) {}

  subscribe(namespace: string, room: string, subscriber: Subscriber): () => void {
    let rooms = this.rooms.get(namespace);
    if (!rooms) this.rooms.set(namespace, (rooms = new Map()));
    let subscribers = rooms.get(room);
    if (!subscribers) rooms.set(room, (subscribers = new Set()));
    subscribers.add(subscriber);
    return () => {
      subscribers.delete(subscriber);
      if (subscribers.size === 0) rooms.delete(room);
    };
  }

  /** Turns a packet of `namespace`'s adapter into SSE events; the tap listener of that namespace. */
  deliver(namespace: string, packet: TappedPacket, opts: BroadcastOptions): void {
    const rooms = this.rooms.get(namespace);
    if (!rooms || rooms.size === 0 || packet.type !== EVENT || packet.data.length === 0) return;
    const event = this.toEvent(packet, opts);
    const targets = opts.rooms.size === 0 ? [...rooms.keys()] : [...opts.rooms].filter((r) => rooms.has(r));
    for (const room of targets) {
      if (opts.except?.has(room)) continue;
      for (const subscriber of rooms.get(room) ?? []) subscriber(event);
    }
  }

  /** Events of a packet replayed from the stream (`[event, ...args, offset]`). */
  static replayed(data: readonly unknown[]): RoomEvent {
    const offset = data[data.length - 1];
    return { event: String(data[0]), args: data.slice(1, -1), offset: String(offset) };
  }

  private toEvent(packet: TappedPacket, opts: BroadcastOptions): RoomEvent {
    const [event, ...args] = packet.data;
    const withOffset =
      this.offsetsInPackets && packet.id === undefined && !opts.flags?.volatile && !opts.flags?.local;
    if (withOffset && args.length > 0 && typeof args[args.length - 1] === 'string') {
      return { event: String(event), args: args.slice(0, -1), offset: args[args.length - 1] as string };
    }
    return { event: String(event), args };
  }
}
