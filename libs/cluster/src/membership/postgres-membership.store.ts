import type { DataSource, EntityManager } from 'typeorm';
import type { NodeInfo } from '../node-identity.js';
import { PostgresListener } from '../postgres/postgres-listener.js';
import { ensurePostgresSchema } from '../postgres/postgres-schema.js';
import type {
  BeatResult,
  MemberRecord,
  MembershipNotice,
  MembershipSnapshot,
  MembershipStore,
} from './membership-store.js';
import { byId, parseNodeInfo, parseNotice } from './member-record.codec.js';
import { sweepCutoff } from './outage-grace.js';

/** A timestamptz as epoch ms (float8: pg hands it over as a number). */
const ms = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;

interface BeatRow {
  created: boolean;
  now_ms: number;
  oldest_ms: number | null;
  grace_until_ms: number | null;
  grace_cutoff_ms: number | null;
  version: string | null;
}

interface SnapshotRow {
  version: string;
  id: string | null;
  info: string | null;
  last_seen_ms: number | null;
}

/**
 * Membership in PostgreSQL, the "no extra infrastructure" path: one table in the `<prefix>` schema, heartbeats
 * stamped with `now()`, sweeps as a single `DELETE ... RETURNING` (one remover per member), LISTEN/NOTIFY for
 * instant notices, and a one-row `cluster_membership` table holding the membership version (bumped in the same
 * statement or transaction as every join, leave, removal or info change, so a heartbeat returns the members only
 * when they changed) and the store-outage grace. A steady cluster's heartbeat is one statement.
 *
 * Like the Redis store, it rides out a store outage: when Postgres heard no heartbeat from anyone for over half the
 * failure timeout (a restart, a failover, a partition), the members live before the silence are neither swept nor
 * hidden for one more failure timeout (see `sweepCutoff`), so the first node back does not remove all the others.
 */
export class PostgresMembershipStore implements MembershipStore {
  private readonly table: string;
  private readonly state: string;
  private readonly channel: string;
  private listener?: PostgresListener;

  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
  ) {
    this.table = `"${schema}"."cluster_members"`;
    this.state = `"${schema}"."cluster_membership"`;
    this.channel = `${schema}_cluster_members`;
  }

  async init(onNotice: (notice: MembershipNotice) => void): Promise<void> {
    await ensurePostgresSchema(this.dataSource, this.schema, [
      `CREATE TABLE IF NOT EXISTS ${this.table} (
         id text PRIMARY KEY,
         incarnation text NOT NULL,
         info jsonb NOT NULL,
         last_seen timestamptz NOT NULL
       )`,
      `CREATE INDEX IF NOT EXISTS cluster_members_last_seen ON ${this.table} (last_seen)`,
      `CREATE TABLE IF NOT EXISTS ${this.state} (
         id int PRIMARY KEY CHECK (id = 1),
         version bigint NOT NULL,
         grace_until timestamptz,
         grace_cutoff timestamptz
       )`,
      // Starts from the clock in microseconds: a table recreated later never repeats a version seen before.
      `INSERT INTO ${this.state} (id, version)
       VALUES (1, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint) ON CONFLICT (id) DO NOTHING`,
    ]);
    // A notice lost while LISTEN was down is covered by the version: the next heartbeat sees it changed.
    this.listener = new PostgresListener(this.dataSource, this.channel, (payload) => {
      const notice = parseNotice(payload);
      if (notice) onNotice(notice);
    });
    await this.listener.start();
  }

  /**
   * In a steady cluster, one statement (one round trip, no explicit transaction): record the heartbeat, bump the
   * version if this node's record is new or changed, and report the oldest and newest heartbeats and the version.
   * Only when someone is due for removal (or an outage grace must be recorded) does a second, short transaction
   * sweep; only when the version moved does a third statement read the members. Member rows are always written
   * before the version row is locked, so two beats never wait on each other in opposite orders.
   */
  async beat(self: NodeInfo, failureTimeoutMs: number, knownVersion?: string): Promise<BeatResult> {
    // The outage grace is recorded in the same statement as the heartbeat that notices the silence: a node whose
    // heartbeat is visible to the others has always recorded the grace with it.
    const [row] = (await this.dataSource.query(
      `WITH previous AS (SELECT incarnation, info, last_seen FROM ${this.table} WHERE id = $1),
       span AS (SELECT min(last_seen) AS oldest, max(last_seen) AS newest FROM ${this.table}),
       quiet AS (
         SELECT newest IS NOT NULL AND now() - newest > make_interval(secs => $5 / 2000.0) AS outage, newest FROM span
       ),
       upsert AS (
         INSERT INTO ${this.table} (id, incarnation, info, last_seen) VALUES ($1, $2, $3::jsonb, now())
         ON CONFLICT (id) DO UPDATE SET incarnation = excluded.incarnation, info = excluded.info, last_seen = now()
         RETURNING xmax = 0 AS inserted
       ),
       -- inserted too: a sweeper may have deleted the row after this statement's snapshot was taken. Back from a
       -- silence longer than the failure timeout (not swept yet, but hidden from reads meanwhile) is a change too.
       mine AS (
         SELECT u.inserted OR p.incarnation IS DISTINCT FROM $2 AS created,
           u.inserted OR p.incarnation IS DISTINCT FROM $2 OR p.info IS DISTINCT FROM $3::jsonb
             OR p.last_seen < now() - make_interval(secs => $5 / 1000.0) AS changed
         FROM upsert u LEFT JOIN previous p ON true
       ),
       stamped AS (
         UPDATE ${this.state} SET version = version + CASE WHEN (SELECT changed FROM mine) THEN 1 ELSE 0 END,
           grace_until = CASE WHEN q.outage THEN now() + make_interval(secs => $5 / 1000.0) ELSE grace_until END,
           grace_cutoff = CASE WHEN q.outage THEN q.newest - make_interval(secs => $5 / 1000.0) ELSE grace_cutoff END
         FROM quiet q WHERE id = 1 AND ((SELECT changed FROM mine) OR q.outage)
         RETURNING version, grace_until, grace_cutoff
       ),
       joined AS (
         SELECT pg_notify($4, json_build_object('type', 'joined', 'id', $1::text)::text) FROM mine WHERE changed
       )
       SELECT mine.created, ${ms('now()')} AS now_ms, ${ms('span.oldest')} AS oldest_ms,
         ${ms('coalesce(t.grace_until, s.grace_until)')} AS grace_until_ms,
         ${ms('coalesce(t.grace_cutoff, s.grace_cutoff)')} AS grace_cutoff_ms,
         coalesce(t.version, s.version)::text AS version, (SELECT count(*) FROM joined) AS notified
       FROM mine CROSS JOIN span LEFT JOIN ${this.state} s ON s.id = 1 LEFT JOIN stamped t ON true`,
      [self.id, self.incarnation, JSON.stringify(self), this.channel, failureTimeoutMs],
    )) as [BeatRow];
    const grace =
      row.grace_until_ms !== null && row.grace_cutoff_ms !== null
        ? { until: row.grace_until_ms, cutoff: row.grace_cutoff_ms }
        : undefined;
    const cutoff = sweepCutoff(row.now_ms, failureTimeoutMs, grace);
    let version = row.version;
    let removed: string[] = [];
    if (row.oldest_ms !== null && row.oldest_ms < cutoff) {
      ({ removed, version } = await this.sweep(self, cutoff, version));
    }
    if (version !== null && version === knownVersion) return { created: row.created, removed, version };
    return { created: row.created, removed, ...(await this.read(this.dataSource.manager, failureTimeoutMs)) };
  }

  /** Removes members silent since before `cutoff` (announcing each) and bumps the version if it removed any. */
  private async sweep(
    self: NodeInfo,
    cutoff: number,
    version: string | null,
  ): Promise<{ removed: string[]; version: string | null }> {
    return this.dataSource.transaction(async (manager) => {
      const gone = (await manager.query(
        `WITH gone AS (
           DELETE FROM ${this.table} WHERE last_seen < to_timestamp($1::float8 / 1000) AND id <> $2 RETURNING id
         )
         SELECT id, pg_notify($3, json_build_object('type', 'left', 'id', id)::text) FROM gone`,
        [cutoff, self.id, this.channel],
      )) as { id: string }[];
      const removed = gone.map((row) => row.id);
      if (removed.length === 0) return { removed, version };
      return { removed, version: await this.bumpVersion(manager) };
    });
  }

  async list(failureTimeoutMs: number): Promise<MembershipSnapshot> {
    return this.read(this.dataSource.manager, failureTimeoutMs);
  }

  async leave(self: NodeInfo): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const gone = (await manager.query(
        `WITH gone AS (DELETE FROM ${this.table} WHERE id = $1 AND incarnation = $2 RETURNING id)
         SELECT pg_notify($3, json_build_object('type', 'left', 'id', id)::text) FROM gone`,
        [self.id, self.incarnation, this.channel],
      )) as unknown[];
      if (gone.length > 0) await this.bumpVersion(manager);
    });
  }

  async close(): Promise<void> {
    await this.listener?.close();
    this.listener = undefined;
  }

  /** Bumps the version; returns the new one. */
  private async bumpVersion(manager: EntityManager): Promise<string | null> {
    const rows = (await manager.query(
      `UPDATE ${this.state} SET version = version + 1 WHERE id = 1 RETURNING version::text AS version`,
    )) as [{ version: string }] | [];
    return rows[0]?.version ?? null;
  }

  /** The version and the live members in one statement, so both come from one snapshot. */
  private async read(manager: EntityManager, failureTimeoutMs: number): Promise<MembershipSnapshot> {
    const rows = (await manager.query(
      `WITH s AS (
         SELECT version::text AS version,
           CASE WHEN now() < grace_until AND grace_cutoff < now() - make_interval(secs => $1 / 1000.0)
             THEN grace_cutoff ELSE now() - make_interval(secs => $1 / 1000.0) END AS cutoff
         FROM ${this.state} WHERE id = 1
       )
       SELECT s.version, m.id, m.info::text AS info, ${ms('m.last_seen')} AS last_seen_ms
       FROM s LEFT JOIN ${this.table} m ON m.last_seen >= s.cutoff`,
      [failureTimeoutMs],
    )) as SnapshotRow[];
    const members: MemberRecord[] = [];
    for (const row of rows) {
      const info = row.info === null ? undefined : parseNodeInfo(row.info);
      if (info) members.push({ ...info, lastSeen: Math.round(row.last_seen_ms ?? 0) });
    }
    return { version: rows[0]?.version ?? '', members: members.sort(byId) };
  }
}
