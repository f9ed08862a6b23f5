import type { DataSource } from 'typeorm';

/**
 * Whether `value` is a TypeORM `DataSource`, checked by shape so that typeorm (and pg) are only loaded when the app
 * actually uses Postgres.
 */
export function isDataSource(value: unknown): value is DataSource {
  if (!value || typeof value !== 'object') return false;
  const candidate = value as Partial<DataSource>;
  return (
    typeof candidate.initialize === 'function' &&
    typeof candidate.transaction === 'function' &&
    typeof candidate.createQueryRunner === 'function' &&
    typeof candidate.options === 'object'
  );
}
