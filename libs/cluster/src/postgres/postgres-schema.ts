import type { DataSource } from 'typeorm';

/**
 * Creates Shoal's schema and runs idempotent DDL under a transaction-scoped advisory lock, so many nodes starting
 * at once do not race on `CREATE ... IF NOT EXISTS` (which is not concurrency-safe in Postgres). Indexes and columns
 * go through {@link createIndexIfMissing} and {@link addColumnIfMissing}, so a node starting never waits for a lock
 * on a table that exists already.
 */
export async function ensurePostgresSchema(
  dataSource: DataSource,
  schema: string,
  statements: readonly string[],
): Promise<void> {
  await dataSource.transaction(async (manager) => {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`shoal:ddl:${schema}`]);
    await manager.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    for (const statement of statements) await manager.query(statement);
  });
}

/**
 * DDL that creates index `index` on `table` (schema-qualified) unless the table has it: `definition` is what follows
 * `ON table`. Unlike a bare `CREATE INDEX IF NOT EXISTS`, which locks the table before it looks, it does not queue
 * behind a transaction that wrote to the table and is still open — nor make every later write queue behind it.
 */
export function createIndexIfMissing(index: string, table: string, definition: string): string {
  return `DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                   WHERE i.indrelid = '${table}'::regclass AND c.relname = '${index}') THEN
      CREATE INDEX IF NOT EXISTS ${index} ON ${table} ${definition};
    END IF;
  END $$`;
}

/**
 * DDL that adds column `column` to `table` (schema-qualified) unless it has it: `definition` is its type and
 * constraints. Unlike a bare `ALTER TABLE ... ADD COLUMN IF NOT EXISTS`, which takes the table's exclusive lock
 * before it looks, it does not queue behind open transactions — nor make every later read and write queue behind it.
 */
export function addColumnIfMissing(table: string, column: string, definition: string): string {
  return `DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_attribute
                   WHERE attrelid = '${table}'::regclass AND attname = '${column}' AND NOT attisdropped) THEN
      ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${column} ${definition};
    END IF;
  END $$`;
}
