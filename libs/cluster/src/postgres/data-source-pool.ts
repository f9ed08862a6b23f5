import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * The `pg.Pool` under a TypeORM Postgres `DataSource` (TypeORM keeps it as its driver's `master`), or undefined when
 * the DataSource has none (not Postgres, or not initialized). The one place Shoal reaches into TypeORM's driver.
 */
export function poolOfDataSource(dataSource: DataSource): Pool | undefined {
  const pool = (dataSource.driver as unknown as { master?: unknown }).master;
  return isPool(pool) ? pool : undefined;
}

function isPool(value: unknown): value is Pool {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<Pool>).on === 'function' &&
    typeof (value as Partial<Pool>).connect === 'function'
  );
}
