import type { DataSource } from 'typeorm';

/** pg-boss's `Db`: runs SQL on the ClusterModule's own pool (no pool of pg-boss's own). */
export interface PgBossDb {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

interface PgPool {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/**
 * The `pg` pool under the ClusterModule's TypeORM `DataSource`: pg-boss and Shoal's job SQL share it, so jobs on
 * Postgres add no connection to a replica's budget.
 */
export function dataSourcePool(dataSource: DataSource): PgBossDb {
  const pool = (dataSource.driver as unknown as { master?: PgPool }).master;
  if (!pool || typeof pool.query !== 'function') {
    throw new Error('JobsModule on Postgres needs the ClusterModule DataSource on the postgres driver (pg)');
  }
  return { executeSql: (text, values) => pool.query(text, values) };
}

/** Shoal's statements on pg-boss's job table (retries with Shoal's backoff, lock renewal, counts). */
export function pgBossStatements(schema: string) {
  const job = `${schema}.job`;
  const active = `WHERE name = $1 AND id = $2 AND state = 'active'`;
  return {
    /** Retry after `$3` ms (store clock), keeping the error. */
    retry: `UPDATE ${job} SET state = 'retry', start_after = now() + $3 * interval '1 millisecond', output = $4::jsonb ${active}`,
    /** Failed for good (already dead-lettered). */
    fail: `UPDATE ${job} SET state = 'failed', completed_on = now(), output = $3::jsonb ${active}`,
    /** Run again in `$3` ms without spending an attempt (the next fetch does not count it). */
    postpone: `UPDATE ${job} SET state = 'retry', started_on = NULL, start_after = now() + $3 * interval '1 millisecond' ${active}`,
    /** Renews the "lock" of this node's active jobs: expiry counts from `started_on`. */
    renew: `UPDATE ${job} SET started_on = now() WHERE name = $1 AND id = ANY($2::uuid[]) AND state = 'active'`,
    waiting: `SELECT count(*)::int AS n FROM ${job} WHERE name = $1 AND state < 'active'`,
    counts: `SELECT CASE WHEN state < 'active' AND start_after > now() THEN 'delayed' ELSE state::text END AS state,
               count(*)::int AS n FROM ${job} WHERE name = $1 GROUP BY 1`,
  };
}
