import { Logger } from '@nestjs/common';
import { PostgresListener, withTimeout } from '@shoal/cluster/internal';
import type { DataSource } from 'typeorm';
import type { EventEnvelope } from '../envelope/event-envelope.js';
import type { EventsMetrics } from '../events.metrics.js';
import type { EventTransport } from '../transport/event-transport.js';
import { OutboxEpoch, OutboxEpochChangedError } from './outbox-epoch.js';
import { outboxChannel } from './outbox-schema.js';

interface RelayRow {
  id: string;
  envelope: EventEnvelope;
  locked: number;
  redis_epoch: string | null;
}

/** Settings of the relay. */
export interface OutboxRelaySettings {
  readonly batchSize: number;
  readonly pollInterval: number;
  readonly retention: number;
}

/**
 * Moves committed outbox rows to the transport, in id order, with `FOR UPDATE SKIP LOCKED` so any number of nodes
 * relay in parallel without sending a row twice (short of a crash between publish and commit: at-least-once).
 * A row whose aggregate has an older unpublished row held by another relay waits, so per-aggregate order holds.
 * Woken by NOTIFY right after a commit, with polling as the fallback; deletes published rows after `retention`.
 */
export class OutboxRelay {
  private readonly logger = new Logger('Shoal:OutboxRelay');
  private readonly table: string;
  private listener?: PostgresListener;
  private running = false;
  private pass?: Promise<void>;
  private again = false;
  private timer?: NodeJS.Timeout;
  private lastCleanup = 0;
  private failures = 0;
  private heldBack = false;
  /** Compare epochs before the next pass: at start, and whenever Redis may have lost its data. */
  private epochCheckDue = true;

  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
    private readonly transport: EventTransport,
    private readonly settings: OutboxRelaySettings,
    private readonly metrics: EventsMetrics,
    /** With a Redis transport: re-publishes what Redis lost (see `OutboxEpoch`). */
    private readonly epoch?: OutboxEpoch,
  ) {
    this.table = `"${schema}"."outbox"`;
  }

  async start(): Promise<void> {
    this.running = true;
    this.listener = new PostgresListener(
      this.dataSource,
      outboxChannel(this.schema),
      () => this.wake(),
      () => this.wake(),
    );
    await this.listener.start();
    this.wake();
  }

  /** Stops relaying; waits for the batch in flight. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.listener?.close();
    await withTimeout(this.pass ?? Promise.resolve(), 15_000, 'the last relay pass').catch(() => undefined);
  }

  /**
   * Redis may have lost its data: compare epochs before the next pass even if nothing is waiting to be published
   * (a replay must not wait for the next commit).
   */
  recheckEpoch(): void {
    this.epochCheckDue = true;
    this.wake();
  }

  /** Runs a pass now (or right after the one in flight). */
  wake(): void {
    if (!this.running) return;
    if (this.pass) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.pass = this.drain().finally(() => {
      this.pass = undefined;
      if (!this.running) return;
      if (this.again) {
        this.again = false;
        this.wake();
        return;
      }
      // Rows held back behind another relay's batch of the same aggregate: look again shortly.
      const idle = this.heldBack ? 20 : this.settings.pollInterval;
      const backoff = this.failures > 0 ? Math.min(250 * 2 ** this.failures, 5000) : idle;
      this.timer = setTimeout(() => this.wake(), backoff);
      this.timer.unref();
    });
  }

  private async drain(): Promise<void> {
    this.heldBack = false;
    try {
      if (this.epoch && this.epochCheckDue) {
        await this.dataSource.transaction((manager) => this.epoch!.reconcile(manager));
        this.epochCheckDue = false;
      }
      for (;;) {
        if (!this.running) break;
        const relayed = await this.relayBatch().catch(async (error: unknown) => {
          if (!(error instanceof OutboxEpochChangedError)) throw error;
          await this.dataSource.transaction((manager) => this.epoch!.reconcile(manager));
          return this.settings.batchSize; // look again, now against the current Redis
        });
        if (relayed < this.settings.batchSize) break;
      }
      if (this.failures > 0) this.logger.log('relaying again');
      this.failures = 0;
      await this.cleanup();
    } catch (error) {
      this.failures += 1;
      if (this.failures === 1)
        this.logger.warn(`relay failed, rows stay in the outbox and are retried: ${String(error)}`);
    }
  }

  /** One transaction: lock a batch, publish what may go now, mark it published. @returns rows locked. */
  private async relayBatch(): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const epoch = this.epoch ? `(${this.epoch.lockedEpochSql})` : 'NULL';
      const rows = (await manager.query(
        `WITH batch AS (
           SELECT id, aggregate_id FROM ${this.table}
           WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
         )
         SELECT b.id::text AS id, o.envelope, (SELECT count(*) FROM batch)::int AS locked,
           ${epoch} AS redis_epoch
         FROM batch b JOIN ${this.table} o ON o.id = b.id
         WHERE b.aggregate_id IS NULL OR NOT EXISTS (
           SELECT 1 FROM ${this.table} e
           WHERE e.aggregate_id = b.aggregate_id AND e.published_at IS NULL AND e.id < b.id
             AND e.id NOT IN (SELECT id FROM batch)
         )
         ORDER BY b.id`,
        [this.settings.batchSize],
      )) as RelayRow[];
      if (rows.length < (rows[0]?.locked ?? 0) || (rows.length === 0 && (await this.anyLocked(manager)))) {
        this.heldBack = true;
      }
      if (rows.length === 0) return 0;
      // Read under the lock: a batch that saw another epoch than this relay confirmed must not publish.
      if (this.epoch && !this.epoch.accepts(rows[0].redis_epoch)) throw new OutboxEpochChangedError();
      await withTimeout(
        this.transport.publish(rows.map((r) => r.envelope)),
        10_000,
        'publishing outbox rows',
      );
      // Published into the Redis that holds the recorded epoch? If it lost its data meanwhile, roll back.
      await this.epoch?.confirmPublished();
      await manager.query(`UPDATE ${this.table} SET published_at = now() WHERE id = ANY($1::bigint[])`, [
        rows.map((r) => r.id),
      ]);
      this.metrics.relayed.inc(rows.length);
      const oldest = Date.parse(rows[0].envelope.occurredAt);
      if (Number.isFinite(oldest)) this.metrics.outboxLag.set((Date.now() - oldest) / 1000);
      return rows[0].locked;
    });
  }

  /** Whether the batch query locked rows it could not publish yet (it returns no row to say so when all wait). */
  private async anyLocked(manager: { query(sql: string): Promise<unknown> }): Promise<boolean> {
    const [row] = (await manager.query(
      `SELECT EXISTS (SELECT 1 FROM ${this.table} WHERE published_at IS NULL) AS pending`,
    )) as { pending: boolean }[];
    return row?.pending ?? false;
  }

  private async cleanup(): Promise<void> {
    if (Date.now() - this.lastCleanup < 60_000) return;
    this.lastCleanup = Date.now();
    await this.dataSource.query(
      `DELETE FROM ${this.table} WHERE id IN (
         SELECT id FROM ${this.table}
         WHERE published_at IS NOT NULL AND published_at < now() - make_interval(secs => $1 / 1000.0)
         LIMIT 10000)`,
      [this.settings.retention],
    );
  }
}
