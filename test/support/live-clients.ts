import { io, type Socket } from 'socket.io-client';

/** A `socket.io-client` socket on a sample replica's `/live` namespace, with every event it received. */
export interface LiveClient {
  readonly socket: Socket;
  /** Events received, by name, in arrival order. */
  readonly received: Map<string, unknown[]>;
  of(event: string): unknown[];
  close(): void;
}

/** Connects to `/live` with `token`; rejects with the `connect_error` (whose message the client reads). */
export function connectLive(port: number, token?: string): Promise<LiveClient> {
  const socket = io(`http://127.0.0.1:${port}/live`, {
    auth: token === undefined ? {} : { token },
    transports: ['websocket'],
    reconnection: false,
  });
  const received = new Map<string, unknown[]>();
  socket.onAny((event: string, data: unknown) => {
    const list = received.get(event) ?? [];
    list.push(data);
    received.set(event, list);
  });
  const client: LiveClient = {
    socket,
    received,
    of: (event) => received.get(event) ?? [],
    close: () => socket.close(),
  };
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(client));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

/** An SSE stream read with `fetch`: every `event:`/`data:` pair received. */
export interface SseClient {
  readonly events: { event: string; data: unknown; id?: string }[];
  close(): void;
}

/** Opens `GET url` as a server-sent event stream; resolves once the response headers arrived. */
export async function openSse(url: string): Promise<SseClient> {
  const abort = new AbortController();
  const response = await fetch(url, { signal: abort.signal, headers: { accept: 'text/event-stream' } });
  if (!response.ok || !response.body) throw new Error(`SSE ${url}: ${response.status}`);
  const events: SseClient['events'] = [];
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = new Map<string, string>();
          for (const line of block.split('\n')) {
            const colon = line.indexOf(':');
            if (colon <= 0) continue; // comments (heartbeats) and blank lines
            fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
          }
          if (fields.has('data')) {
            events.push({
              event: fields.get('event') ?? 'message',
              data: JSON.parse(fields.get('data')!),
              id: fields.get('id'),
            });
          }
        }
      }
    } catch {
      // aborted
    }
  })();
  return { events, close: () => abort.abort() };
}
