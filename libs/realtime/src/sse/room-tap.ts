import type { Adapter, BroadcastOptions } from 'socket.io-adapter';

/** A packet a namespace's adapter delivers to this replica's sockets. */
export interface TappedPacket {
  /** Socket.IO packet type (2 = EVENT). */
  readonly type: number;
  /** `[event, ...args]`. */
  readonly data: unknown[];
  /** Set when the sender waits for an acknowledgement. */
  readonly id?: number;
}

/** Called for every broadcast the adapter delivers on this replica, with its rooms and exclusions. */
export type TapListener = (packet: TappedPacket, opts: BroadcastOptions) => void;

/**
 * The two steps of socket.io-adapter's in-memory `broadcast` that every adapter reaches for every broadcast this
 * replica delivers — a local emit or one from another replica (cluster adapters call the base `broadcast` after
 * decoding): it encodes the packet once (`_encode`), then walks the matching sockets (`apply`). Both are internal to
 * socket.io-adapter, so this is the one place Shoal depends on them; the SSE tests of every adapter mode break if
 * a new socket.io-adapter changes them.
 */
interface BroadcastSteps {
  _encode(packet: TappedPacket, packetOpts: unknown): unknown;
  apply(opts: BroadcastOptions, callback: (socket: unknown) => void): void;
}

/**
 * Lets `listener` see every broadcast `adapter` delivers on this replica, in order, before its sockets get it.
 * Other uses of `apply` (fetching, joining, disconnecting sockets) are not broadcasts and are not reported.
 */
export function tapBroadcasts(adapter: Adapter, listener: TapListener): void {
  const steps = adapter as unknown as BroadcastSteps;
  const encode = steps._encode;
  const apply = steps.apply;
  let packet: TappedPacket | undefined;
  steps._encode = function (this: Adapter, p: TappedPacket, packetOpts: unknown) {
    packet = p;
    return encode.call(this, p, packetOpts);
  };
  steps.apply = function (this: Adapter, opts: BroadcastOptions, callback: (socket: unknown) => void) {
    const broadcast = packet;
    packet = undefined;
    if (broadcast) {
      try {
        listener(broadcast, opts);
      } catch {
        // a listener's failure must not stop delivery to sockets
      }
    }
    return apply.call(this, opts, callback);
  };
}
