import { createIndexIfMissing } from '@shoal/cluster/internal';

/** Table names of the Postgres event log in `schema`. */
export function eventLogTables(schema: string) {
  const t = (name: string) => `"${schema}"."${name}"`;
  return {
    log: t('event_log'),
    /** The `bigserial` sequence of `event_log.seq`. */
    sequence: t('event_log_seq_seq'),
    /** Takes the transaction's id, then the next `seq` (see {@link eventLogDdl}). */
    nextSeq: t('event_log_next_seq'),
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
 * - `event_log`: every published envelope, in `seq` order, kept for the retention. Its `seq` default gives the
 *   writing transaction its id *before* taking the sequence value, which is what lets `LogHorizon` tell, from a
 *   snapshot, which sequence values can no longer commit;
 * - `event_groups`: per consumer group, the `cursor` below which every event of its type is done;
 * - `event_claims`: deliveries above the cursor — claimed by a node until `claimed_until`, or done.
 */
export function eventLogDdl(schema: string): string[] {
  const { log, groups, claims, sequence, nextSeq } = eventLogTables(schema);
  return [
    `CREATE TABLE IF NOT EXISTS ${log} (
       seq bigserial PRIMARY KEY,
       type text NOT NULL,
       envelope jsonb NOT NULL,
       created_at timestamptz NOT NULL DEFAULT now()
     )`,
    // Replaced on every start (cheap, under the DDL lock) so an upgraded node brings its body up to date.
    `CREATE OR REPLACE FUNCTION ${nextSeq}() RETURNS bigint LANGUAGE plpgsql AS $$
     BEGIN
       PERFORM pg_current_xact_id();
       RETURN nextval('${sequence}');
     END $$`,
    // Set once (an ALTER TABLE on every start would queue behind open transactions and block the log meanwhile).
    `DO $$ BEGIN
       IF NOT EXISTS (SELECT 1 FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
                      WHERE d.adrelid = '${log}'::regclass AND a.attname = 'seq'
                        AND pg_get_expr(d.adbin, d.adrelid) LIKE '%event_log_next_seq()%') THEN
         ALTER TABLE ${log} ALTER COLUMN seq SET DEFAULT ${nextSeq}();
       END IF;
     END $$`,
    createIndexIfMissing('event_log_type_seq', log, '(type, seq)'),
    createIndexIfMissing('event_log_created_at', log, '(created_at)'),
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
    createIndexIfMissing('event_claims_open', claims, '(group_name, claimed_until) WHERE NOT done'),
  ];
}
