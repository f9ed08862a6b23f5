import { describe, expect, it } from '@jest/globals';
import type { BroadcastOptions } from 'socket.io-adapter';
import { SseHub, type RoomEvent } from './sse-hub.js';

const opts = (
  rooms: string[],
  except: string[] = [],
  flags: BroadcastOptions['flags'] = {},
): BroadcastOptions => ({
  rooms: new Set(rooms),
  except: new Set(except),
  flags,
});
const event = (data: unknown[], id?: number) => ({ type: 2, data, id });

function listen(hub: SseHub, room: string, namespace = '/live'): RoomEvent[] {
  const seen: RoomEvent[] = [];
  hub.subscribe(namespace, room, (e) => seen.push(e));
  return seen;
}

describe('SseHub', () => {
  it("follows Socket.IO's room rules: no room reaches every stream, rooms their own, except wins", () => {
    const hub = new SseHub(false);
    const orders = listen(hub, 'orders');
    const news = listen(hub, 'news');
    const elsewhere = listen(hub, 'orders', '/admin');
    hub.deliver('/live', event(['a', 1]), opts(['orders']));
    hub.deliver('/live', event(['b', 2]), opts([]));
    hub.deliver('/live', event(['c', 3]), opts([], ['news']));
    hub.deliver('/live', event(['d', 4]), opts(['orders', 'news'], ['orders']));
    hub.deliver('/live', { type: 3, data: ['ack'] }, opts([])); // not an EVENT packet
    expect(orders.map((e) => e.event)).toEqual(['a', 'b', 'c']);
    expect(news.map((e) => e.event)).toEqual(['b', 'd']);
    expect(elsewhere).toEqual([]);
    expect(orders[0]).toEqual({ event: 'a', args: [1] });
  });

  it('reads the stream offset only where the streams adapter appends one', () => {
    const streams = new SseHub(true);
    const seen = listen(streams, 'r');
    streams.deliver('/live', event(['e', { n: 1 }, '1700000000000-0']), opts(['r']));
    streams.deliver('/live', event(['local', 'x']), opts(['r'], [], { local: true }));
    streams.deliver('/live', event(['volatile', 'y']), opts(['r'], [], { volatile: true }));
    streams.deliver('/live', event(['acked', 'z'], 7), opts(['r']));
    expect(seen).toEqual([
      { event: 'e', args: [{ n: 1 }], offset: '1700000000000-0' },
      { event: 'local', args: ['x'] },
      { event: 'volatile', args: ['y'] },
      { event: 'acked', args: ['z'] },
    ]);
  });

  it('stops delivering once unsubscribed', () => {
    const hub = new SseHub(false);
    const seen: RoomEvent[] = [];
    const unsubscribe = hub.subscribe('/', 'r', (e) => seen.push(e));
    unsubscribe();
    hub.deliver('/', event(['x']), opts(['r']));
    expect(seen).toEqual([]);
  });
});
