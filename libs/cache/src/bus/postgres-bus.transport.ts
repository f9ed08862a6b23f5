import { PostgresListener } from '@shoal/cluster/internal';
import type { DataSource } from 'typeorm';
import { CacheBusTransport } from './cache-bus-transport.js';

/** NOTIFY payloads must stay under 8000 bytes; larger key lists are split across several notifications. */
const MAX_NOTIFY_BYTES = 7900;

/**
 * The cache bus on Postgres `LISTEN/NOTIFY`, for clusters without Redis: one listening connection per replica
 * (`PostgresListener` of `@shoal/cluster`, which reconnects with backoff and then reports `onResubscribed`).
 * `listening` turns true once listening; a lost listening connection is not reported (the `postgres` health check
 * sees the server go).
 */
export class PostgresBusTransport extends CacheBusTransport {
  private listener?: PostgresListener;
  private starting?: Promise<void>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly channel: string,
  ) {
    super();
  }

  protected async send(text: string): Promise<void> {
    for (const part of splitForNotify(text)) {
      await this.dataSource.query('SELECT pg_notify($1, $2)', [this.channel, part]);
    }
  }

  protected listen(): Promise<void> {
    this.starting ??= (async () => {
      this.listener = new PostgresListener(
        this.dataSource,
        this.channel,
        (payload) => this.receive(payload),
        () => this.resubscribed(),
      );
      await this.listener.start();
      this.live = true;
    })();
    return this.starting;
  }

  async disconnect(): Promise<void> {
    this.live = false;
    await this.listener?.close();
  }
}

/** Splits an encoded message whose key list is too long for one NOTIFY into several valid messages. */
export function splitForNotify(text: string): string[] {
  if (Buffer.byteLength(text) <= MAX_NOTIFY_BYTES) return [text];
  const message = JSON.parse(text) as { c: string; b: string; p: { keys: string[] } };
  const keys = message.p.keys;
  if (keys.length <= 1)
    throw new Error(`a cache key is too long for a Postgres NOTIFY (${text.length} bytes)`);
  const half = Math.ceil(keys.length / 2);
  const part = (slice: string[]) => JSON.stringify({ ...message, p: { ...message.p, keys: slice } });
  return [...splitForNotify(part(keys.slice(0, half))), ...splitForNotify(part(keys.slice(half)))];
}
