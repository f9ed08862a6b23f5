import { describe, expect, it } from '@jest/globals';
import { MessageType } from 'socket.io-adapter';
import type { ClusterWireMessage } from '../emitters/cluster-message-emitter.js';
import { shardedChannel } from './sharded-channel.js';

const broadcast = (rooms: string[]): ClusterWireMessage => ({
  uid: 'emitter',
  nsp: '/live',
  type: MessageType.BROADCAST,
  data: { packet: {}, opts: { rooms, except: [], flags: {} } },
});

describe('shardedChannel', () => {
  it('routes like the sharded adapter: one public room on its own channel in dynamic mode', () => {
    expect(shardedChannel('p:socket.io', 'dynamic', broadcast(['orders']))).toBe('p:socket.io#/live#orders#');
    expect(shardedChannel('p:socket.io', 'dynamic', broadcast(['orders', 'news']))).toBe(
      'p:socket.io#/live#',
    );
    expect(shardedChannel('p:socket.io', 'dynamic', broadcast(['abcdefghij0123456789']))).toBe(
      'p:socket.io#/live#',
    );
    expect(shardedChannel('p:socket.io', 'dynamic-private', broadcast(['abcdefghij0123456789']))).toBe(
      'p:socket.io#/live#abcdefghij0123456789#',
    );
    expect(shardedChannel('p:socket.io', 'static', broadcast(['orders']))).toBe('p:socket.io#/live#');
    const join: ClusterWireMessage = { ...broadcast(['orders']), type: MessageType.SOCKETS_JOIN };
    expect(shardedChannel('p:socket.io', 'dynamic', join)).toBe('p:socket.io#/live#');
  });
});
