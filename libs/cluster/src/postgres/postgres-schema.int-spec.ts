import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { addColumnIfMissing, createIndexIfMissing, ensurePostgresSchema } from './postgres-schema.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

describe('ensurePostgresSchema with createIndexIfMissing and addColumnIfMissing', () => {
  const schema = `ddl_${Math.random().toString(36).slice(2, 10)}`;
  const table = `"${schema}".items`;
  const ddl = [
    `CREATE TABLE IF NOT EXISTS ${table} (id int PRIMARY KEY)`,
    createIndexIfMissing('items_id_desc', table, '(id DESC) WHERE id > 0'),
    addColumnIfMissing(table, 'note', `text NOT NULL DEFAULT ''`),
  ];
  let dataSource: DataSource;
  /** Fails a statement that waits more than 2 s for a lock, instead of waiting. */
  let impatient: DataSource;

  beforeAll(async () => {
    dataSource = await new DataSource({ type: 'postgres', url: DATABASE_URL }).initialize();
    impatient = await new DataSource({
      type: 'postgres',
      url: DATABASE_URL,
      extra: { options: '-c lock_timeout=2000' },
    }).initialize();
  });

  afterAll(async () => {
    await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await Promise.all([dataSource.destroy(), impatient.destroy()]);
  });

  it('creates the missing index and column, and on a later start does not wait for transactions open on the table', async () => {
    await ensurePostgresSchema(dataSource, schema, ddl);
    const [{ indexdef }] = (await dataSource.query(
      `SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname = 'items_id_desc'`,
      [schema],
    )) as { indexdef: string }[];
    expect(indexdef).toContain('(id DESC) WHERE (id > 0)');
    const columns = (await dataSource.query(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'items'
       ORDER BY ordinal_position`,
      [schema],
    )) as { column_name: string }[];
    expect(columns.map((c) => c.column_name)).toEqual(['id', 'note']);

    // A transaction that wrote to the table and one that read it, both still open, as on a busy cluster.
    const writer = dataSource.createQueryRunner();
    const reader = dataSource.createQueryRunner();
    try {
      await writer.startTransaction();
      await writer.query(`INSERT INTO ${table} (id) VALUES (1)`);
      await reader.startTransaction();
      await reader.query(`SELECT count(*) FROM ${table}`);
      await ensurePostgresSchema(impatient, schema, ddl); // a lock wait would fail it after 2 s
      expect([writer.isTransactionActive, reader.isTransactionActive]).toEqual([true, true]);
      await writer.commitTransaction();
      await reader.commitTransaction();
    } finally {
      await Promise.all([writer.release(), reader.release()]);
    }
  });
});
