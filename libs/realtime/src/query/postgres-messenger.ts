import type { Pool } from 'pg';
import type { ClusterMessenger } from './cluster-messenger.js';
import { PoolListener } from './pool-listener.js';

/** Characters per NOTIFY chunk: at most 4 bytes each in UTF-8, so a chunk stays under the 8,000-byte limit. */
const CHUNK_CHARS = 1900;

interface Frame {
  /** Recipient node id, or `*` for every socket-serving replica. */
  readonly to: string;
  /** Message id and chunk position, when the message was split. */
  readonly m?: string;
  readonly i?: number;
  readonly n?: number;
  readonly body: string;
}

/**
 * Postgres LISTEN/NOTIFY on one channel (`<schema>_realtime`), on the realtime layer's own small pool. Messages carry their recipient; large ones are split
 * into chunks sent in one statement (so they arrive together and in order) and put back together on receipt.
 */
export class PostgresMessenger implements ClusterMessenger {
  private readonly channel: string;
  private listener?: PoolListener;
  private readonly partial = new Map<string, string[]>();
  private sequence = 0;

  constructor(
    private readonly pool: Pool,
    schema: string,
    private readonly nodeId: string,
  ) {
    this.channel = `${schema}_realtime`;
  }

  async start(onMessage: (message: string) => void, receiveBroadcasts: boolean): Promise<void> {
    this.listener = new PoolListener(this.pool, this.channel, (payload) => {
      const frame = JSON.parse(payload) as Frame;
      if (frame.to !== this.nodeId && !(frame.to === '*' && receiveBroadcasts)) return;
      if (frame.m === undefined) return onMessage(frame.body);
      const parts = this.partial.get(frame.m) ?? [];
      parts[frame.i ?? 0] = frame.body;
      this.partial.set(frame.m, parts);
      if (parts.filter((p) => p !== undefined).length === frame.n) {
        this.partial.delete(frame.m);
        onMessage(parts.join(''));
      }
      // Chunks of a message cut short by a reconnection never complete; keep the map small.
      if (this.partial.size > 1000) this.partial.delete(this.partial.keys().next().value as string);
    });
    await this.listener.start();
  }

  broadcast(message: string): Promise<void> {
    return this.send('*', message);
  }

  sendTo(nodeId: string, message: string): Promise<void> {
    return this.send(nodeId, message);
  }

  async close(): Promise<void> {
    await this.listener?.close();
    this.listener = undefined;
  }

  private async send(to: string, message: string): Promise<void> {
    const frames: string[] = [];
    if (message.length <= CHUNK_CHARS) {
      frames.push(JSON.stringify({ to, body: message } satisfies Frame));
    } else {
      const m = `${this.nodeId}:${++this.sequence}`;
      const n = Math.ceil(message.length / CHUNK_CHARS);
      for (let i = 0; i < n; i++) {
        const body = message.slice(i * CHUNK_CHARS, (i + 1) * CHUNK_CHARS);
        frames.push(JSON.stringify({ to, m, i, n, body } satisfies Frame));
      }
    }
    await this.pool.query(
      `SELECT pg_notify($1, f) FROM unnest($2::text[]) WITH ORDINALITY AS t(f, i) ORDER BY i`,
      [this.channel, frames],
    );
  }
}
