import { Logger } from '@nestjs/common';
import { withTimeout } from '@shoal/cluster/internal';
import type { Notification, Pool, PoolClient } from 'pg';

/**
 * A connection of a `pg.Pool` that `LISTEN`s on one channel and reconnects with backoff when it breaks. The
 * realtime layer listens on the small pool it owns (beside the Postgres adapter's), so the app's pool keeps its
 * connections for queries. That pool gives every client a lasting 'error' listener, so a released broken
 * connection that still emits one (its socket closing after the server's notice) cannot crash the process.
 */
export class PoolListener {
  private readonly logger = new Logger('Shoal:Realtime');
  private client?: PoolClient;
  private closed = false;
  private retryTimer?: NodeJS.Timeout;

  private readonly onNotification = (message: Notification): void => {
    if (message.channel === this.channel && message.payload !== undefined) this.onPayload(message.payload);
  };
  private readonly onError = (error: Error): void => {
    if (this.closed) return;
    this.logger.warn(`LISTEN ${this.channel}: ${error.message}; reconnecting`);
    this.release(error);
    this.scheduleRetry(1);
  };

  constructor(
    private readonly pool: Pool,
    private readonly channel: string,
    private readonly onPayload: (payload: string) => void,
  ) {}

  /** Connects and listens; rejects if the first connection fails. */
  start(): Promise<void> {
    return this.connect(0);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    if (!client) return;
    await withTimeout(client.query(`UNLISTEN "${this.channel}"`), 1000, 'UNLISTEN').catch(() => undefined);
    this.release();
  }

  private async connect(attempt: number): Promise<void> {
    if (this.closed) return;
    let client: PoolClient | undefined;
    try {
      client = await this.pool.connect();
      client.on('notification', this.onNotification);
      client.on('error', this.onError);
      this.client = client;
      await client.query(`LISTEN "${this.channel}"`);
    } catch (error) {
      if (client) this.release(error instanceof Error ? error : new Error(String(error)));
      if (attempt === 0) throw error;
      this.scheduleRetry(attempt + 1);
    }
  }

  private scheduleRetry(attempt: number): void {
    if (this.closed) return;
    this.retryTimer = setTimeout(() => void this.connect(attempt), Math.min(100 * 2 ** attempt, 5000));
    this.retryTimer.unref();
  }

  /** Gives the connection back; a broken one (`error`) is destroyed rather than pooled. */
  private release(error?: Error): void {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    client.off('notification', this.onNotification);
    client.off('error', this.onError);
    client.release(error ?? true); // never pool a connection that listened
  }
}
