import type { DataSource } from 'typeorm';

/** The sample's tables, in the cluster's schema. */
export function orderTables(schema: string) {
  const t = (name: string) => `"${schema}"."${name}"`;
  return {
    orders: t('orders'),
    handled: t('order_events_handled'),
    deliveries: t('order_event_deliveries'),
    sequence: t('order_sequence_seen'),
  };
}

/** Creates the sample's order tables (idempotent; serialized by an advisory lock). */
export async function createOrderTables(dataSource: DataSource, schema: string): Promise<void> {
  const t = orderTables(schema);
  await dataSource.transaction(async (manager) => {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [t.orders]);
    await manager.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await manager.query(`CREATE TABLE IF NOT EXISTS ${t.orders} (
      id uuid PRIMARY KEY, user_id text NOT NULL, total numeric NOT NULL, n int NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now())`);
    await manager.query(`CREATE INDEX IF NOT EXISTS orders_user ON ${t.orders} (user_id)`);
    // One row per event, written with the inbox in one transaction: the side effect that must happen once.
    await manager.query(`CREATE TABLE IF NOT EXISTS ${t.handled} (
      event_id uuid PRIMARY KEY, order_id uuid NOT NULL, user_id text NOT NULL, node_id text NOT NULL,
      handled_at timestamptz NOT NULL DEFAULT now())`);
    // The correlation id the handler's request context had (the placing request's x-request-id).
    await manager.query(`ALTER TABLE ${t.handled} ADD COLUMN IF NOT EXISTS correlation_id text`);
    // Every delivery to a plain (non-idempotent) group handler: at-least-once, duplicates visible.
    await manager.query(`CREATE TABLE IF NOT EXISTS ${t.deliveries} (
      id bigserial PRIMARY KEY, event_id uuid NOT NULL, node_id text NOT NULL)`);
    // What the ordered handler saw, in the order it saw it.
    await manager.query(`CREATE TABLE IF NOT EXISTS ${t.sequence} (
      id bigserial PRIMARY KEY, user_id text NOT NULL, n int NOT NULL)`);
  });
}
