import { Logger } from '@nestjs/common';
import { PostgresListener, TickBatcher, ensurePostgresSchema } from '@shoal/cluster/internal';
import type { DataSource, EntityManager } from 'typeorm';
import type { EventEnvelope } from '../../envelope/event-envelope.js';
import { OutboxRequiresTransactionError } from '../../errors/outbox-requires-transaction.error.js';
import type { EventTransport, TransportSubscription } from '../event-transport.js';
import type { ConsumptionGate } from '../stream-group-consumer.js';
import { eventLogDdl, eventLogTables } from './event-log.schema.js';
import { LogBroadcastReader } from './log-broadcast-reader.js';
import { LogGroupConsumer } from './log-group-consumer.js';
import { LogHorizon } from './log-horizon.js';

/** Settings of the Postgres event log transport. */
export interface PostgresLogSettings {
  /** Events are deleted from the log after this long. */
  readonly retention: number;
  /** A claim not done after this long is taken over (a hung or dead consumer). */
  readonly claimIdleTime: number;
  /** Polling fallback when no NOTIFY arrives. */
  readonly pollInterval: number;
}

const CLEANUP_INTERVAL_MS = 60_000;

/**
 * Events on PostgreSQL alone: every envelope is a row of `<schema>.event_log` (durable, in `seq` order), and a
 * `NOTIFY` on commit wakes the readers, with polling as the fallback. Published with `{ manager }`, the rows are
 * written in the caller's transaction (`publishWithin`): the log is the outbox, no relay in between.
 *
 * - `group` scope: competing consumers through claims (`LogGroupConsumer`) — each event handled once per group,
 *   at least once, done after success; claims of a node that left are released at once (`reclaim`), of a node that
 *   was killed and restarted under the same id when it subscribes again, of a hung one after `claimIdleTime`;
 *   ordered groups (`concurrency: 1`) under a lease, in `seq` order.
 * - `broadcast` scope: every node reads the log from where it was at start (`LogBroadcastReader`).
 * - Rows older than `retention` are deleted (at most once a minute, by whichever node publishes).
 */
export class PostgresLogTransport implements EventTransport {
  readonly supportsGroups = true;
  private readonly logger = new Logger('Shoal:Events');
  private readonly tables: ReturnType<typeof eventLogTables>;
  private readonly groups: LogGroupConsumer[] = [];
  private readonly readers: LogBroadcastReader[] = [];
  private listener?: PostgresListener;
  private ready?: Promise<void>;
  private releasedPrevious?: Promise<void>;
  /**
   * Direct publishes go to the log in batches, one `INSERT` (with its `NOTIFY`) at a time: Postgres serializes commits
   * that carry a `NOTIFY` until they are flushed, so under load that is one such commit per batch instead of one per
   * event; what comes in while a batch is written goes, all of it, into the next one.
   */
  private readonly batcher = new TickBatcher<readonly EventEnvelope[]>(
    (calls) => this.insert(this.dataSource, calls.flat()),
    { serial: true },
  );
  private lastCleanup = Date.now();
  /** Shared by this node's readers: how far their cursors may move. */
  private readonly horizon: LogHorizon;

  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
    private readonly nodeId: string,
    private readonly settings: PostgresLogSettings,
    private readonly gateFor: (group: string) => ConsumptionGate | undefined = () => undefined,
  ) {
    this.tables = eventLogTables(schema);
    this.horizon = new LogHorizon(dataSource, this.tables.sequence);
  }

  /** Direct publishes of one tick are written together, in call order. */
  async publish(envelopes: readonly EventEnvelope[]): Promise<void> {
    if (envelopes.length === 0) return;
    await this.ensureTables();
    await this.batcher.add(envelopes);
    void this.cleanUp();
  }

  /** In the caller's transaction: the events are in the log, and readers woken, only if it commits. */
  async publishWithin(manager: EntityManager, envelopes: readonly EventEnvelope[]): Promise<void> {
    if (envelopes.length === 0) return;
    if (!manager.queryRunner?.isTransactionActive) throw new OutboxRequiresTransactionError();
    await this.ensureTables();
    await this.insert(manager, envelopes);
  }

  /** One statement: the rows get consecutive seqs in order and commit together; the NOTIFY goes out on commit. */
  private async insert(db: Pick<DataSource, 'query'>, envelopes: readonly EventEnvelope[]): Promise<void> {
    await db.query(
      `WITH added AS (
         INSERT INTO ${this.tables.log} (type, envelope)
         SELECT * FROM unnest($1::text[], $2::jsonb[]) RETURNING type)
       SELECT pg_notify($3, type) FROM (SELECT DISTINCT type FROM added) t`,
      [envelopes.map((e) => e.type), envelopes.map((e) => JSON.stringify(e)), this.tables.channel],
    );
  }

  async subscribe(subscription: TransportSubscription): Promise<void> {
    await this.ensureTables();
    await this.listen();
    const settings = this.settings;
    if (subscription.scope === 'broadcast') {
      const reader = new LogBroadcastReader(
        this.dataSource,
        this.schema,
        subscription,
        settings,
        this.horizon,
      );
      await reader.start();
      this.readers.push(reader);
      return;
    }
    await this.releaseClaimsOfPreviousRun();
    const gate = subscription.concurrency === 1 ? this.gateFor(subscription.name) : undefined;
    const consumer = new LogGroupConsumer(
      this.dataSource,
      this.schema,
      this.nodeId,
      subscription,
      settings,
      this.horizon,
      gate,
    );
    await consumer.start();
    this.groups.push(consumer);
  }

  /**
   * A node that was killed and came back under the same id before the cluster noticed it leave: the claims its
   * previous process held would otherwise wait out `claimIdleTime`. Released once, before this process claims any.
   */
  private releaseClaimsOfPreviousRun(): Promise<void> {
    this.releasedPrevious ??= this.dataSource
      .query(
        `UPDATE ${this.tables.claims} SET claimed_until = now() - interval '1 second'
         WHERE node = $1 AND NOT done AND claimed_until > now()`,
        [this.nodeId],
      )
      .then(
        () => undefined,
        (error: unknown) => {
          this.releasedPrevious = undefined;
          throw error;
        },
      );
    return this.releasedPrevious;
  }

  /** Releases the claims of nodes that are no longer members, so the survivors take them over now. */
  async reclaim(isMember: (id: string) => boolean): Promise<void> {
    const nodes = (await this.dataSource.query(
      `SELECT DISTINCT node FROM ${this.tables.claims} WHERE NOT done AND claimed_until > now()`,
    )) as { node: string }[];
    const gone = nodes.map((n) => n.node).filter((node) => node !== this.nodeId && !isMember(node));
    if (gone.length === 0) return;
    const released = (await this.dataSource.query(
      `UPDATE ${this.tables.claims} SET claimed_until = now() - interval '1 second'
       WHERE NOT done AND node = ANY($1::text[]) RETURNING group_name`,
      [gone],
    )) as unknown[];
    if (released.length > 0) this.logger.log(`took over ${released.length} claim(s) of ${gone.join(', ')}`);
    for (const group of this.groups) group.wake();
  }

  async stop(graceMs: number): Promise<void> {
    await this.listener?.close();
    await Promise.all([...this.groups, ...this.readers].map((c) => c.stop(graceMs)));
  }

  async close(): Promise<void> {
    await this.listener?.close();
  }

  private ensureTables(): Promise<void> {
    this.ready ??= ensurePostgresSchema(this.dataSource, this.schema, eventLogDdl(this.schema)).catch(
      (error: unknown) => {
        this.ready = undefined;
        throw error;
      },
    );
    return this.ready;
  }

  private async listen(): Promise<void> {
    if (this.listener) return;
    const wake = (type?: string) => {
      for (const reader of [...this.groups, ...this.readers])
        if (!type || reader.type === type) reader.wake();
    };
    this.listener = new PostgresListener(
      this.dataSource,
      this.tables.channel,
      (type) => wake(type),
      () => wake(),
    );
    await this.listener.start();
  }

  private async cleanUp(): Promise<void> {
    if (Date.now() - this.lastCleanup < CLEANUP_INTERVAL_MS) return;
    this.lastCleanup = Date.now();
    await this.dataSource
      .query(
        `DELETE FROM ${this.tables.log} WHERE seq IN (
           SELECT seq FROM ${this.tables.log}
           WHERE created_at < now() - make_interval(secs => $1 / 1000.0) LIMIT 10000)`,
        [this.settings.retention],
      )
      .catch((error: unknown) => this.logger.debug(`event log clean-up: ${String(error)}`));
  }
}
