import { createIndexIfMissing, ensurePostgresSchema } from '@shoal/cluster/internal';
import type { DataSource } from 'typeorm';
import type { DeadLetter, DeadLetterStore } from './dead-letter.js';

interface Row {
  id: string;
  handler: string;
  envelope: DeadLetter['envelope'];
  error: string;
  attempts: number;
  failed_at: Date;
}

/** Dead letters in `<schema>.event_dead_letters`: durable without Redis, listed newest last. */
export class PostgresDeadLetterStore implements DeadLetterStore {
  private readonly table: string;
  private ready?: Promise<void>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
  ) {
    this.table = `"${schema}"."event_dead_letters"`;
  }

  async add(letter: Omit<DeadLetter, 'id'>): Promise<void> {
    await this.ensureTable();
    await this.dataSource.query(
      `INSERT INTO ${this.table} (handler, envelope, error, attempts, failed_at) VALUES ($1, $2, $3, $4, $5)`,
      [letter.handler, JSON.stringify(letter.envelope), letter.error, letter.attempts, letter.failedAt],
    );
  }

  async list(options: { handler?: string; limit?: number } = {}): Promise<DeadLetter[]> {
    await this.ensureTable();
    const rows = (await this.dataSource.query(
      `SELECT * FROM (
         SELECT d.id, d.handler, d.envelope, d.error, d.attempts, d.failed_at FROM ${this.table} d
         WHERE $1::text IS NULL OR d.handler = $1 ORDER BY d.id DESC LIMIT $2) newest
       ORDER BY newest.id`,
      [options.handler ?? null, options.limit ?? 100],
    )) as Row[];
    return rows.map((row) => this.toLetter({ ...row, id: String(row.id) }));
  }

  async take(id: string): Promise<DeadLetter | undefined> {
    await this.ensureTable();
    const [rows] = (await this.dataSource.query(
      `DELETE FROM ${this.table} WHERE id = $1
       RETURNING id::text AS id, handler, envelope, error, attempts, failed_at`,
      [id],
    )) as [Row[], number];
    return rows[0] ? this.toLetter(rows[0]) : undefined;
  }

  private toLetter(row: Row): DeadLetter {
    return {
      id: row.id,
      handler: row.handler,
      envelope: row.envelope,
      error: row.error,
      attempts: row.attempts,
      failedAt: new Date(row.failed_at).toISOString(),
    };
  }

  private ensureTable(): Promise<void> {
    this.ready ??= ensurePostgresSchema(this.dataSource, this.schema, [
      `CREATE TABLE IF NOT EXISTS ${this.table} (
         id bigserial PRIMARY KEY, handler text NOT NULL, envelope jsonb NOT NULL, error text NOT NULL,
         attempts int NOT NULL, failed_at timestamptz NOT NULL)`,
      createIndexIfMissing('event_dead_letters_handler', this.table, '(handler, id)'),
    ]).catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }
}
