import { Logger } from '@nestjs/common';
import type { DataSource, QueryRunner } from 'typeorm';
import { withTimeout } from '../with-timeout.js';

interface Notification {
  channel: string;
  payload?: string;
}

interface NotificationClient {
  query(sql: string): Promise<unknown>;
  on(event: 'notification', listener: (message: Notification) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  off(event: 'notification', listener: (message: Notification) => void): void;
  off(event: 'error', listener: (error: Error) => void): void;
}

/**
 * A dedicated Postgres connection that `LISTEN`s on one channel and reconnects with backoff when it breaks.
 * Taken from the app's TypeORM pool through a query runner, so it needs no extra connection settings.
 */
export class PostgresListener {
  private readonly logger = new Logger('Shoal:PostgresListener');
  private active?: { runner: QueryRunner; client: NotificationClient };
  private closed = false;
  private retryTimer?: NodeJS.Timeout;

  private readonly onNotification = (message: Notification): void => {
    if (message.channel === this.channel && message.payload !== undefined) this.onPayload(message.payload);
  };
  private readonly onError = (error: Error): void => {
    if (this.closed) return;
    this.logger.warn(`LISTEN ${this.channel}: ${error.message}; reconnecting`);
    void this.release().then(() => this.scheduleRetry(1));
  };

  /**
   * @param onReconnect called after a reconnection: notifications sent while disconnected are lost, so the owner
   * re-reads its state.
   */
  constructor(
    private readonly dataSource: DataSource,
    private readonly channel: string,
    private readonly onPayload: (payload: string) => void,
    private readonly onReconnect: () => void = () => undefined,
  ) {}

  /** Connects and listens; rejects if the first connection fails. */
  async start(): Promise<void> {
    await this.connect(0);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.release();
  }

  private async connect(attempt: number): Promise<void> {
    if (this.closed) return;
    const runner = this.dataSource.createQueryRunner();
    try {
      const client = (await runner.connect()) as NotificationClient;
      client.on('notification', this.onNotification);
      client.on('error', this.onError);
      this.active = { runner, client };
      await client.query(`LISTEN "${this.channel}"`);
      if (attempt > 0) this.onReconnect();
    } catch (error) {
      await this.release();
      await runner.release().catch(() => undefined);
      if (attempt === 0) throw error;
      this.logger.debug(`LISTEN ${this.channel} retry ${attempt}: ${String(error)}`);
      this.scheduleRetry(attempt + 1);
    }
  }

  private scheduleRetry(attempt: number): void {
    if (this.closed) return;
    const delay = Math.min(100 * 2 ** attempt, 5000);
    this.retryTimer = setTimeout(() => void this.connect(attempt), delay);
  }

  private async release(): Promise<void> {
    const active = this.active;
    this.active = undefined;
    if (!active) return;
    active.client.off('notification', this.onNotification);
    active.client.off('error', this.onError);
    await withTimeout(active.client.query(`UNLISTEN "${this.channel}"`), 1000, 'UNLISTEN').catch(
      () => undefined,
    );
    if (!active.runner.isReleased) await active.runner.release().catch(() => undefined);
  }
}
