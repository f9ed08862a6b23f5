import { createIndexIfMissing } from '@shoal/cluster/internal';

/** DDL of the outbox table in `schema` (idempotent). Shared by start-up creation and the migration. */
export function outboxDdl(schema: string): string[] {
  const table = `"${schema}"."outbox"`;
  return [
    `CREATE TABLE IF NOT EXISTS ${table} (
       id bigserial PRIMARY KEY,
       event_id uuid NOT NULL UNIQUE,
       type text NOT NULL,
       aggregate_id text,
       envelope jsonb NOT NULL,
       created_at timestamptz NOT NULL DEFAULT now(),
       published_at timestamptz
     )`,
    createIndexIfMissing('outbox_unpublished', table, '(id) WHERE published_at IS NULL'),
    createIndexIfMissing(
      'outbox_aggregate_unpublished',
      table,
      '(aggregate_id, id) WHERE published_at IS NULL',
    ),
    createIndexIfMissing('outbox_published_at', table, '(published_at) WHERE published_at IS NOT NULL'),
    // The Redis data generation published rows went into: when Redis loses its data, rows are published again.
    `CREATE TABLE IF NOT EXISTS "${schema}"."outbox_epoch" (
       id smallint PRIMARY KEY CHECK (id = 1),
       redis_epoch text NOT NULL,
       changed_at timestamptz NOT NULL DEFAULT now()
     )`,
  ];
}

/** The NOTIFY channel the outbox writer signals and the relay listens on. */
export function outboxChannel(schema: string): string {
  return `${schema}_outbox`;
}
