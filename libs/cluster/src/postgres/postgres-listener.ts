import { Logger } from '@nestjs/common';
import type { DataSource, QueryRunner } from 'typeorm';
import { withTimeout } from '../with-timeout.js';

const ignoreError = (): void => undefined;

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
 * One `LISTEN` connection per `DataSource`, shared by every `PostgresListener` of the process on it (membership,
 * leases, the outbox relay, the event log, the cache bus…): one of its pool's connections listens for all. It
 * reconnects with backoff when it breaks, listens again on every channel, and tells every listener, since
 * notifications sent meanwhile are lost.
 */
class SharedListenConnection {
  private readonly logger = new Logger('Shoal:PostgresListener');
  private readonly channels = new Map<string, Set<PostgresListener>>();
  private active?: { runner: QueryRunner; client: NotificationClient };
  private connecting?: Promise<void>;
  private retryTimer?: NodeJS.Timeout;
  private broken = false;

  private readonly onNotification = (message: Notification): void => {
    if (message.payload === undefined) return;
    for (const listener of this.channels.get(message.channel) ?? []) listener.deliver(message.payload);
  };
  private readonly onError = (error: Error): void => {
    if (this.channels.size === 0) return;
    if (!this.broken) this.logger.warn(`LISTEN connection: ${error.message}; reconnecting`);
    this.broken = true;
    void this.release().then(() => this.scheduleRetry(1));
  };

  /**
   * Statements on a connection go one after another (pg deprecates overlapping queries on one client); per client, so
   * a statement hanging on a broken connection never holds up the new one.
   */
  private readonly statements = new WeakMap<NotificationClient, Promise<unknown>>();

  constructor(private readonly dataSource: DataSource) {}

  private run(client: NotificationClient, sql: string): Promise<unknown> {
    const next = (this.statements.get(client) ?? Promise.resolve()).then(() => client.query(sql));
    this.statements.set(
      client,
      next.catch(() => undefined),
    );
    return next;
  }

  /** Listens on the listener's channel; rejects if there is no connection and the first attempt fails. */
  async add(listener: PostgresListener): Promise<void> {
    const set = this.channels.get(listener.channel) ?? new Set<PostgresListener>();
    const fresh = set.size === 0;
    set.add(listener);
    this.channels.set(listener.channel, set);
    try {
      if (this.connecting) await this.connecting;
      if (!this.active) await this.connect(0);
      else if (fresh) await this.run(this.active.client, `LISTEN "${listener.channel}"`);
    } catch (error) {
      this.remove(listener);
      throw error;
    }
  }

  /** Stops delivering to the listener; the connection goes back to the pool when nobody listens any more. */
  remove(listener: PostgresListener): Promise<void> {
    const set = this.channels.get(listener.channel);
    set?.delete(listener);
    if (set?.size === 0) {
      this.channels.delete(listener.channel);
      if (this.active)
        void this.run(this.active.client, `UNLISTEN "${listener.channel}"`).catch(() => undefined);
    }
    if (this.channels.size > 0) return Promise.resolve();
    clearTimeout(this.retryTimer);
    return this.release();
  }

  private connect(attempt: number): Promise<void> {
    this.connecting ??= (async () => {
      // A listener added meanwhile may have connected already: a second connection would replace it, never released.
      if (this.active) return;
      const runner = this.dataSource.createQueryRunner();
      try {
        const client = (await runner.connect()) as NotificationClient;
        client.on('notification', this.onNotification);
        client.on('error', this.onError);
        this.active = { runner, client };
        for (const channel of this.channels.keys()) await this.run(client, `LISTEN "${channel}"`);
        // After a break every listener is told, whichever attempt (a retry, or a listener added meanwhile) got back.
        if (attempt > 0 || this.broken) {
          if (this.broken) this.logger.log('LISTEN connection back');
          this.broken = false;
          for (const set of this.channels.values()) for (const listener of set) listener.reconnected();
        }
      } catch (error) {
        await this.release();
        await runner.release().catch(() => undefined);
        // Retried even when the first attempt's caller gets the error: other listeners may be waiting on it (the
        // caller's own listener is removed, and the retry with it if it was the last).
        this.logger.debug(`LISTEN retry ${attempt}: ${String(error)}`);
        this.scheduleRetry(attempt + 1);
        if (attempt === 0) throw error;
      }
    })().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private scheduleRetry(attempt: number): void {
    if (this.channels.size === 0) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(attempt), Math.min(100 * 2 ** attempt, 5000));
  }

  private async release(): Promise<void> {
    const active = this.active;
    this.active = undefined;
    if (!active) return;
    active.client.off('notification', this.onNotification);
    active.client.off('error', this.onError);
    // A broken connection can still emit 'error' (the socket closing after the server's notice): keep a listener.
    active.client.on('error', ignoreError);
    await withTimeout(this.run(active.client, 'UNLISTEN *'), 1000, 'UNLISTEN').catch(() => undefined);
    if (!active.runner.isReleased) await active.runner.release().catch(() => undefined);
  }
}

const shared = new WeakMap<DataSource, SharedListenConnection>();

/**
 * Listens on one Postgres channel, through the process's shared `LISTEN` connection for that `DataSource`, and
 * survives that connection breaking (with `onReconnect`, so the owner re-reads what it may have missed).
 */
export class PostgresListener {
  private closed = false;
  private readonly connection: SharedListenConnection;

  /**
   * @param onReconnect called after a reconnection: notifications sent while disconnected are lost, so the owner
   * re-reads its state.
   */
  constructor(
    dataSource: DataSource,
    readonly channel: string,
    private readonly onPayload: (payload: string) => void,
    private readonly onReconnect: () => void = () => undefined,
  ) {
    let connection = shared.get(dataSource);
    if (!connection) shared.set(dataSource, (connection = new SharedListenConnection(dataSource)));
    this.connection = connection;
  }

  /** Listens; rejects if the shared connection is down and the first attempt to open it fails. */
  async start(): Promise<void> {
    this.closed = false;
    await this.connection.add(this);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.connection.remove(this);
  }

  /** @internal */
  deliver(payload: string): void {
    if (!this.closed) this.onPayload(payload);
  }

  /** @internal */
  reconnected(): void {
    if (!this.closed) this.onReconnect();
  }
}
