import { MessageType } from 'socket.io-adapter';
import type { ClusterWireMessage } from '../emitters/cluster-message-emitter.js';

/**
 * The sharded pub/sub channel a message goes to, as the sharded adapter computes it: a broadcast to one public room
 * (in `dynamic` mode; any room in `dynamic-private`) uses that room's own channel, everything else the namespace's.
 */
export function shardedChannel(
  channelPrefix: string,
  mode: 'static' | 'dynamic' | 'dynamic-private',
  message: ClusterWireMessage,
): string {
  const channel = `${channelPrefix}#${message.nsp}#`;
  const opts = message.data.opts as { rooms: string[] };
  const looksLikeSocketId = (room: string) => room.length === 20;
  const dynamic =
    message.type === MessageType.BROADCAST &&
    message.data.requestId === undefined &&
    opts.rooms.length === 1 &&
    ((mode === 'dynamic' && !looksLikeSocketId(opts.rooms[0])) || mode === 'dynamic-private');
  return dynamic ? `${channel}${opts.rooms[0]}#` : channel;
}
