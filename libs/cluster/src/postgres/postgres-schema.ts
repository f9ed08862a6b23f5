import type { DataSource } from 'typeorm';

/**
 * Creates Shoal's schema and runs idempotent DDL under a transaction-scoped advisory lock, so many nodes starting
 * at once do not race on `CREATE ... IF NOT EXISTS` (which is not concurrency-safe in Postgres).
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
