import { createIndexIfMissing, ensurePostgresSchema } from '@shoal/cluster/internal';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * Exactly-once effects in Postgres: the handler runs in a transaction that first inserts (handler, event id) into
 * `<prefix>.event_inbox`. A duplicate delivery finds the row (or waits for the first delivery's transaction and
 * then finds it) and is skipped; a failed handler rolls the row back with everything else.
 */
export class PostgresInbox {
  private ready?: Promise<void>;
  private readonly table: string;
  private lastCleanup = Date.now();

  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
    private readonly windowMs: number,
  ) {
    this.table = `"${schema}"."event_inbox"`;
  }

  /** Runs `work` once per (handler, event id). @returns false when it was a duplicate. */
  async run(
    handler: string,
    eventId: string,
    work: (manager: EntityManager) => Promise<void>,
  ): Promise<boolean> {
    await this.ensureTable();
    const ran = await this.dataSource.transaction(async (manager) => {
      const inserted = (await manager.query(
        `INSERT INTO ${this.table} (handler, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1`,
        [handler, eventId],
      )) as unknown[];
      if (inserted.length === 0) return false;
      await work(manager);
      return true;
    });
    await this.cleanup();
    return ran;
  }

  private ensureTable(): Promise<void> {
    this.ready ??= ensurePostgresSchema(this.dataSource, this.schema, [
      `CREATE TABLE IF NOT EXISTS ${this.table} (
         handler text NOT NULL, event_id uuid NOT NULL, handled_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (handler, event_id))`,
      createIndexIfMissing('event_inbox_handled_at', this.table, '(handled_at)'),
    ]).catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  private async cleanup(): Promise<void> {
    if (Date.now() - this.lastCleanup < 60_000) return;
    this.lastCleanup = Date.now();
    await this.dataSource
      .query(
        `DELETE FROM ${this.table} WHERE ctid IN (SELECT ctid FROM ${this.table}
         WHERE handled_at < now() - make_interval(secs => $1 / 1000.0) LIMIT 10000)`,
        [this.windowMs],
      )
      .catch(() => undefined);
  }
}
