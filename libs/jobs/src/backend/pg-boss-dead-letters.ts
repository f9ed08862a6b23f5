import { ensurePostgresSchema } from '@shoal/cluster/internal';
import type { DataSource } from 'typeorm';
import type { DeadJob } from '../dead-letters/dead-job.js';
import type { PgBossDb } from './pg-boss-sql.js';

/** Dead letters of the Postgres backend, in `<prefix>.job_dead_letters`. */
export class PgBossDeadLetters {
  private readonly table: string;
  private ready?: Promise<void>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly db: PgBossDb,
    private readonly schema: string,
  ) {
    this.table = `"${schema}".job_dead_letters`;
  }

  async add(queue: string, dead: Omit<DeadJob, 'id' | 'queue'>): Promise<void> {
    await this.ensure();
    await this.db.executeSql(
      `INSERT INTO ${this.table} (queue, original_id, name, data, error, stack, attempts, failed_at)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8) ON CONFLICT (queue, original_id) DO NOTHING`,
      [
        queue,
        dead.originalId,
        dead.name,
        JSON.stringify(dead.data ?? null),
        dead.error,
        dead.stack ?? null,
        dead.attempts,
        dead.failedAt,
      ],
    );
  }

  async list(queue: string, limit: number): Promise<DeadJob[]> {
    await this.ensure();
    const { rows } = await this.db.executeSql(
      `SELECT * FROM ${this.table} WHERE queue = $1 ORDER BY id LIMIT $2`,
      [queue, limit],
    );
    return rows.map((r) => ({
      id: String(r.id),
      queue,
      originalId: String(r.original_id),
      name: String(r.name),
      data: r.data,
      error: String(r.error),
      stack: r.stack === null ? undefined : String(r.stack),
      attempts: Number(r.attempts),
      failedAt: new Date(r.failed_at as string).toISOString(),
    }));
  }

  /** Removes and returns one dead letter (for replay). */
  async take(queue: string, id: string): Promise<DeadJob | undefined> {
    await this.ensure();
    if (!/^\d+$/.test(id)) return undefined;
    const { rows } = await this.db.executeSql(
      `DELETE FROM ${this.table} WHERE queue = $1 AND id = $2 RETURNING id, name, data`,
      [queue, id],
    );
    const r = rows[0];
    return r ? ({ id: String(r.id), name: String(r.name), data: r.data } as DeadJob) : undefined;
  }

  async count(queue: string): Promise<number> {
    await this.ensure();
    const { rows } = await this.db.executeSql(
      `SELECT count(*)::int AS n FROM ${this.table} WHERE queue = $1`,
      [queue],
    );
    return Number(rows[0]?.n ?? 0);
  }

  async purge(queue: string): Promise<number> {
    await this.ensure();
    const { rows } = await this.db.executeSql(
      `WITH d AS (DELETE FROM ${this.table} WHERE queue = $1 RETURNING 1) SELECT count(*)::int AS n FROM d`,
      [queue],
    );
    return Number(rows[0]?.n ?? 0);
  }

  private ensure(): Promise<void> {
    this.ready ??= ensurePostgresSchema(this.dataSource, this.schema, [
      `CREATE TABLE IF NOT EXISTS ${this.table} (
         id bigserial PRIMARY KEY, queue text NOT NULL, original_id text NOT NULL, name text NOT NULL, data jsonb,
         error text NOT NULL, stack text, attempts int NOT NULL, failed_at timestamptz NOT NULL,
         UNIQUE (queue, original_id))`,
    ]).catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }
}
