/** Table names of the Postgres event log in `schema`. */
export function eventLogTables(schema: string) {
  const t = (name: string) => `"${schema}"."${name}"`;
  return {
    log: t('event_log'),
    groups: t('event_groups'),
    claims: t('event_claims'),
    channel: `${schema}_event_log`,
  };
}

/**
 * A CTE (`no_flush_wait`) that makes the statement's implicit transaction commit without waiting for the WAL flush
 * (`synchronous_commit = off`, for this transaction only). For the log's own bookkeeping — claims, done marks, the
 * cursor — whose loss in a database crash only means an event is delivered again; join it into every writing part.
 */
export const NO_FLUSH_WAIT = `no_flush_wait AS (SELECT set_config('synchronous_commit', 'off', true) AS setting)`;

/**
 * DDL of the Postgres event log (idempotent):
 * - `event_log`: every published envelope, in `seq` order, kept for the retention;
 * - `event_groups`: per consumer group, the `cursor` below which every event of its type is done;
 * - `event_claims`: deliveries above the cursor — claimed by a node until `claimed_until`, or done.
 */
export function eventLogDdl(schema: string): string[] {
  const { log, groups, claims } = eventLogTables(schema);
  return [
    `CREATE TABLE IF NOT EXISTS ${log} (
       seq bigserial PRIMARY KEY,
       type text NOT NULL,
       envelope jsonb NOT NULL,
       created_at timestamptz NOT NULL DEFAULT now()
     )`,
    `CREATE INDEX IF NOT EXISTS event_log_type_seq ON ${log} (type, seq)`,
    `CREATE INDEX IF NOT EXISTS event_log_created_at ON ${log} (created_at)`,
    `CREATE TABLE IF NOT EXISTS ${groups} (
       name text PRIMARY KEY,
       type text NOT NULL,
       cursor bigint NOT NULL
     )`,
    `CREATE TABLE IF NOT EXISTS ${claims} (
       group_name text NOT NULL,
       seq bigint NOT NULL,
       node text NOT NULL,
       claimed_until timestamptz NOT NULL,
       done boolean NOT NULL DEFAULT false,
       PRIMARY KEY (group_name, seq)
     )`,
    // Open claims only: finding expired ones does not scan the done ones above the cursor.
    `CREATE INDEX IF NOT EXISTS event_claims_open ON ${claims} (group_name, claimed_until) WHERE NOT done`,
  ];
}
