import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import { PostgresListener, ensurePostgresSchema, withTimeout } from '@shoal/cluster/internal';
import type { DataSource } from 'typeorm';
import type { EventEnvelope } from '../envelope/event-envelope.js';
import type { EventTransport, TransportSubscription } from './event-transport.js';

/** NOTIFY payloads must be shorter than 8,000 bytes (Postgres' default build). */
const NOTIFY_MAX_BYTES = 8000;
/** Payload rows older than this are deleted (a receiver fetches its row within moments of the NOTIFY). */
const PAYLOAD_TTL = '1 hour';
const CLEANUP_INTERVAL_MS = 60_000;
/** Envelopes waiting per local subscriber; beyond this, new ones are dropped (logged). */
const QUEUE_LIMIT = 10_000;

/** Options of a `PostgresNotifyTransport`. */
export interface PostgresNotifyTransportOptions {
  /** Retries of a rejected delivery before it is logged and dropped. Default 3. */
  readonly maxRetries?: number;
  /** Delay before the first retry, doubled at each next one. Default 200 ms. */
  readonly retryDelayMs?: number;
}

/** What goes on the channel: the envelope inline, or the id of its `event_payloads` row when too large. */
type NotifyMessage =
  | { readonly source: string; readonly envelope: EventEnvelope }
  | { readonly source: string; readonly ref: string; readonly type?: string };

interface LocalSubscriber {
  readonly subscription: TransportSubscription;
  readonly limit: number;
  readonly queue: EventEnvelope[];
  running: number;
  /** Whether the queue overflowed since it was last below the limit (logs once per episode). */
  overflowing: boolean;
}

interface Statement {
  readonly sql: string;
  readonly parameters: unknown[];
}

/**
 * Broadcast events over Postgres LISTEN/NOTIFY, for apps without Redis. `group` scope is not supported.
 *
 * - `publish` sends one `pg_notify` per envelope on channel `<schema>_events` (all in one transaction when there
 *   are several, so they arrive in order): `{ source, envelope }`, or, when that JSON reaches 8,000 bytes,
 *   `{ source, ref, type }` with the envelope stored in `"<schema>"."event_payloads"` (created at the first large
 *   envelope; rows older than an hour are deleted at most once a minute, on publish). A node ignores its own
 *   notifications: `publish` hands the envelopes to this node's subscribers itself once the NOTIFY is committed.
 * - Receiving: one `PostgresListener` per transport, started at the first `subscribe` and closed by `close()`;
 *   envelopes go to every local subscriber of their type, in the order received, at most `concurrency` at a time.
 *   A rejected delivery is retried a few times after a short delay, then logged and dropped (the invoker above
 *   already retries and dead-letters).
 * - At-most-once: a notification sent while the LISTEN connection is down (it reconnects by itself), or dropped
 *   because a subscriber's queue is full, is lost.
 */
export class PostgresNotifyTransport implements EventTransport {
  readonly supportsGroups = false;
  private readonly logger = new Logger('Shoal:PostgresNotifyTransport');
  private readonly channel: string;
  private readonly table: string;
  private readonly maxRetries: number;
  private readonly retryDelayMs: number;
  /** type -> local subscribers. */
  private readonly subscribers = new Map<string, LocalSubscriber[]>();
  private readonly running = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private listener?: PostgresListener;
  private listening?: Promise<void>;
  private tableReady?: Promise<void>;
  private cleanup?: Promise<void>;
  private lastCleanup = 0;
  /** Received envelopes are dispatched in arrival order, even when one has to be fetched by reference. */
  private receiving: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
    private readonly nodeId: string,
    options: PostgresNotifyTransportOptions = {},
  ) {
    this.channel = `${schema}_events`;
    this.table = `"${schema}"."event_payloads"`;
    this.maxRetries = Math.max(0, options.maxRetries ?? 3);
    this.retryDelayMs = Math.max(0, options.retryDelayMs ?? 200);
  }

  async publish(envelopes: readonly EventEnvelope[]): Promise<void> {
    if (envelopes.length === 0) return;
    const statements: Statement[] = [];
    for (const envelope of envelopes) statements.push(await this.notifyStatement(envelope));
    if (statements.length === 1) {
      await this.dataSource.query(statements[0].sql, statements[0].parameters);
    } else {
      await this.dataSource.transaction(async (manager) => {
        for (const statement of statements) await manager.query(statement.sql, statement.parameters);
      });
    }
    // Our own notifications are ignored on receipt: this node's subscribers get the envelopes from here.
    for (const envelope of envelopes) this.dispatch(envelope);
    this.cleanUpPayloads();
  }

  async subscribe(subscription: TransportSubscription): Promise<void> {
    if (subscription.scope === 'group') {
      throw new Error(
        `PostgresNotifyTransport cannot consume "${subscription.name}" (${subscription.type}) with group scope: ` +
          'group scope needs the Redis Streams transport (Postgres LISTEN/NOTIFY only broadcasts)',
      );
    }
    if (this.stopped)
      throw new Error(`PostgresNotifyTransport is stopped: cannot subscribe ${subscription.name}`);
    await this.listen();
    const { concurrency } = subscription;
    const limit = Number.isFinite(concurrency) ? Math.max(1, Math.floor(concurrency)) : 1;
    const list = this.subscribers.get(subscription.type) ?? [];
    list.push({ subscription, limit, queue: [], running: 0, overflowing: false });
    this.subscribers.set(subscription.type, list);
  }

  /** Ignores notifications from now on, drops queued envelopes and waits up to `graceMs` for running deliveries. */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    for (const list of this.subscribers.values()) for (const subscriber of list) subscriber.queue.length = 0;
    if (this.running.size === 0) return;
    await withTimeout(Promise.allSettled([...this.running]), Math.max(0, graceMs), 'event deliveries').catch(
      () => undefined,
    );
  }

  /** Stops (without grace if not stopped yet) and closes the LISTEN connection; never the DataSource. */
  async close(): Promise<void> {
    if (!this.stopped) await this.stop(0);
    await this.listening?.catch(() => undefined);
    await this.listener?.close();
    this.listener = undefined;
    await withTimeout(Promise.all([this.receiving, this.cleanup]), 5000, 'event transport close').catch(
      () => undefined,
    );
  }

  private async notifyStatement(envelope: EventEnvelope): Promise<Statement> {
    const message = JSON.stringify({ source: this.nodeId, envelope } satisfies NotifyMessage);
    if (Buffer.byteLength(message, 'utf8') < NOTIFY_MAX_BYTES) {
      return { sql: `SELECT pg_notify($1, $2)`, parameters: [this.channel, message] };
    }
    await this.ensureTable();
    const id = randomUUID();
    const reference: NotifyMessage = { source: this.nodeId, ref: id, type: envelope.type };
    return {
      // One statement: the row and the notification commit together, so the row is there when it is received.
      sql: `WITH stored AS (INSERT INTO ${this.table} (id, envelope) VALUES ($2, $3::jsonb) RETURNING id)
            SELECT pg_notify($1, $4) FROM stored`,
      parameters: [this.channel, id, JSON.stringify(envelope), JSON.stringify(reference)],
    };
  }

  private ensureTable(): Promise<void> {
    this.tableReady ??= ensurePostgresSchema(this.dataSource, this.schema, [
      `CREATE TABLE IF NOT EXISTS ${this.table} (
         id uuid PRIMARY KEY,
         envelope jsonb NOT NULL,
         created_at timestamptz NOT NULL DEFAULT now()
       )`,
      `CREATE INDEX IF NOT EXISTS event_payloads_created_at ON ${this.table} (created_at)`,
    ]).catch((error: unknown) => {
      this.tableReady = undefined;
      throw error;
    });
    return this.tableReady;
  }

  /** Deletes old payload rows in the background, at most once a minute, once this node has stored one. */
  private cleanUpPayloads(): void {
    const tableReady = this.tableReady;
    if (!tableReady || this.cleanup || Date.now() - this.lastCleanup < CLEANUP_INTERVAL_MS) return;
    this.lastCleanup = Date.now();
    this.cleanup = tableReady
      .then(() =>
        this.dataSource.query(
          `DELETE FROM ${this.table} WHERE created_at < now() - interval '${PAYLOAD_TTL}'`,
        ),
      )
      .then(
        () => undefined,
        (error: unknown) => this.logger.debug(`event payload cleanup failed: ${describe(error)}`),
      )
      .finally(() => {
        this.cleanup = undefined;
      });
  }

  private listen(): Promise<void> {
    this.listening ??= (async () => {
      const listener = new PostgresListener(
        this.dataSource,
        this.channel,
        (payload) => this.receive(payload),
        () =>
          this.logger.warn(`LISTEN ${this.channel} reconnected: events sent while disconnected were lost`),
      );
      this.listener = listener;
      try {
        await listener.start();
      } catch (error) {
        this.listener = undefined;
        this.listening = undefined;
        await listener.close();
        throw error;
      }
    })();
    return this.listening;
  }

  private receive(payload: string): void {
    if (this.stopped) return;
    const message = parseMessage(payload);
    if (!message) {
      this.logger.debug(`ignored a malformed notification on ${this.channel}`);
      return;
    }
    if (message.source === this.nodeId) return;
    const type = 'envelope' in message ? message.envelope.type : message.type;
    if (type !== undefined && !this.subscribers.has(type)) return;
    const envelope = 'envelope' in message ? Promise.resolve(message.envelope) : this.fetch(message.ref);
    this.receiving = this.receiving.then(async () => {
      const received = await envelope;
      if (received) this.dispatch(received);
    });
  }

  /** The envelope stored under `id`, or `undefined` (logged) when it cannot be read. */
  private async fetch(id: string): Promise<EventEnvelope | undefined> {
    try {
      const rows = (await this.dataSource.query(`SELECT envelope FROM ${this.table} WHERE id = $1`, [
        id,
      ])) as {
        envelope: unknown;
      }[];
      const envelope = rows[0]?.envelope;
      if (isEnvelope(envelope)) return envelope;
      this.logger.warn(`event payload ${id} not found in ${this.table}; event lost`);
    } catch (error) {
      this.logger.warn(`event payload ${id} could not be read: ${describe(error)}; event lost`);
    }
    return undefined;
  }

  private dispatch(envelope: EventEnvelope): void {
    if (this.stopped) return;
    for (const subscriber of this.subscribers.get(envelope.type) ?? []) {
      if (subscriber.queue.length >= QUEUE_LIMIT) {
        if (!subscriber.overflowing) {
          this.logger.warn(
            `${subscriber.subscription.name}: ${QUEUE_LIMIT} events waiting; dropping new ones until it catches up`,
          );
        }
        subscriber.overflowing = true;
        continue;
      }
      subscriber.overflowing = false;
      subscriber.queue.push(envelope);
      this.pump(subscriber);
    }
  }

  private pump(subscriber: LocalSubscriber): void {
    while (!this.stopped && subscriber.running < subscriber.limit && subscriber.queue.length > 0) {
      const envelope = subscriber.queue.shift() as EventEnvelope;
      subscriber.running += 1;
      // Started in a microtask: never inside `publish` or the notification handler.
      const delivery = Promise.resolve()
        .then(() => this.deliver(subscriber.subscription, envelope))
        .finally(() => {
          subscriber.running -= 1;
          this.running.delete(delivery);
          this.pump(subscriber);
        });
      this.running.add(delivery);
    }
  }

  /** Delivers with a few retries; never rejects. */
  private async deliver(subscription: TransportSubscription, envelope: EventEnvelope): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await subscription.deliver(envelope);
        return;
      } catch (error) {
        if (attempt > this.maxRetries || this.stopped) {
          this.logger.warn(
            `${subscription.name}: dropped event ${envelope.type} ${envelope.id} after ${attempt} attempt(s): ${describe(error)}`,
          );
          return;
        }
      }
      await sleep(this.retryDelayMs * 2 ** (attempt - 1), undefined, {
        signal: this.stopping.signal,
        ref: false,
      }).catch(() => undefined);
      if (this.stopped) {
        this.logger.warn(
          `${subscription.name}: dropped event ${envelope.type} ${envelope.id}: transport stopped`,
        );
        return;
      }
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isEnvelope(value: unknown): value is EventEnvelope {
  return isRecord(value) && typeof value.id === 'string' && typeof value.type === 'string';
}

function parseMessage(payload: string): NotifyMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (!isRecord(value) || typeof value.source !== 'string') return undefined;
  if (isEnvelope(value.envelope)) return { source: value.source, envelope: value.envelope };
  if (typeof value.ref !== 'string') return undefined;
  return {
    source: value.source,
    ref: value.ref,
    type: typeof value.type === 'string' ? value.type : undefined,
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
