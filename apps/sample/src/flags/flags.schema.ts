import type { DataSource } from 'typeorm';

/** The sample's feature-flag tables, in the cluster's schema. */
export function flagTables(schema: string) {
  return {
    flags: `"${schema}"."feature_flags"`,
    /** Origin loads of the whole cluster, one row per flag: what single flight is measured by. */
    loads: `"${schema}"."feature_flag_loads"`,
  };
}

/** Creates the flag tables (idempotent; serialized by an advisory lock). */
export async function createFlagTables(dataSource: DataSource, schema: string): Promise<void> {
  const t = flagTables(schema);
  await dataSource.transaction(async (manager) => {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [t.flags]);
    await manager.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await manager.query(`CREATE TABLE IF NOT EXISTS ${t.flags} (
      name text PRIMARY KEY, enabled boolean NOT NULL, version int NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now())`);
    await manager.query(
      `CREATE TABLE IF NOT EXISTS ${t.loads} (name text PRIMARY KEY, loads bigint NOT NULL)`,
    );
  });
}
