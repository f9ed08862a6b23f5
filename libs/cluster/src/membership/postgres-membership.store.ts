import type { DataSource, EntityManager } from 'typeorm';
import type { NodeInfo } from '../node-identity.js';
import { PostgresListener } from '../postgres/postgres-listener.js';
import { createIndexIfMissing, ensurePostgresSchema } from '../postgres/postgres-schema.js';
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
  inserted: boolean;
  previous: string | null;
  same_info: boolean | null;
  previous_ms: number | null;
  now_ms: number;
  last_ms: number | null;
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

/** NOTIFY payloads must stay under 8000 bytes: a larger member record is left out (the notice then asks for a read). */
const MAX_NOTICE_BYTES = 7000;

/** The change that moved the membership version to `to` (each change bumps it by one). */
function changeTo(to: string): { from: string; to: string } {
  return { from: (BigInt(to) - 1n).toString(), to };
}

/** The `joined` notice of `self`, carrying its record unless that would not fit in a NOTIFY payload. */
function joinedNotice(self: NodeInfo, lastSeen: number, change: { from: string; to: string }): string {
  const full = JSON.stringify({
    type: 'joined',
    id: self.id,
    ...change,
    member: self,
    lastSeen: Math.round(lastSeen),
  });
  return Buffer.byteLength(full) <= MAX_NOTICE_BYTES
    ? full
    : JSON.stringify({ type: 'joined', id: self.id, ...change });
}

/**
 * Membership in PostgreSQL, the "no extra infrastructure" path: one table in the `<prefix>` schema, heartbeats
 * stamped with `now()`, sweeps as a single `DELETE ... RETURNING` (one remover per member), LISTEN/NOTIFY for
 * instant notices, and a one-row `cluster_membership` table holding the membership version (bumped in the same
 * transaction as every join, leave, removal or info change, so a heartbeat returns the members only when they
 * changed) and the store-outage grace. The one-row table is always read by its key, so the planner never estimates
 * a heartbeat costly enough to JIT-compile it (an unanalysed table made every beat cost ~15 ms of JIT).
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
      createIndexIfMissing('cluster_members_last_seen', this.table, '(last_seen)'),
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
   * Member rows are written before the version row is locked, in every transaction, so two beats never wait on
   * each other in opposite orders.
   */
  async beat(self: NodeInfo, failureTimeoutMs: number, knownVersion?: string): Promise<BeatResult> {
    return this.dataSource.transaction(async (manager) => {
      // One snapshot: what this node's record was, the newest heartbeat before this one, and the recorded grace.
      const [row] = (await manager.query(
        `WITH previous AS (SELECT incarnation, info, last_seen FROM ${this.table} WHERE id = $1),
         newest AS (SELECT max(last_seen) AS last FROM ${this.table}),
         upsert AS (
           INSERT INTO ${this.table} (id, incarnation, info, last_seen) VALUES ($1, $2, $3::jsonb, now())
           ON CONFLICT (id) DO UPDATE SET incarnation = excluded.incarnation, info = excluded.info, last_seen = now()
           RETURNING xmax = 0 AS inserted
         )
         SELECT upsert.inserted, (SELECT incarnation FROM previous) AS previous, (SELECT info = $3::jsonb FROM previous) AS same_info,
           (SELECT ${ms('last_seen')} FROM previous) AS previous_ms,
           ${ms('now()')} AS now_ms, (SELECT ${ms('last')} FROM newest) AS last_ms,
           ${ms('s.grace_until')} AS grace_until_ms, ${ms('s.grace_cutoff')} AS grace_cutoff_ms,
           s.version::text AS version
         FROM upsert LEFT JOIN ${this.state} s ON s.id = 1`,
        [self.id, self.incarnation, JSON.stringify(self)],
      )) as [BeatRow];
      // `inserted` too: a sweeper may have deleted the row after this statement's snapshot was taken.
      const created = row.inserted || row.previous !== self.incarnation;
      const grace =
        row.grace_until_ms !== null && row.grace_cutoff_ms !== null
          ? { until: row.grace_until_ms, cutoff: row.grace_cutoff_ms }
          : undefined;
      const sweep = sweepCutoff(row.now_ms, failureTimeoutMs, row.last_ms ?? undefined, grace);
      const removed = (await manager.query(
        `WITH gone AS (
           DELETE FROM ${this.table} WHERE last_seen < to_timestamp($1::float8 / 1000) AND id <> $2 RETURNING id
         )
         SELECT id FROM gone`,
        [sweep.cutoff, self.id],
      )) as { id: string }[];
      // Back from a silence longer than the failure timeout (not swept yet, but hidden from reads meanwhile): a change.
      const back = row.previous_ms !== null && row.previous_ms < row.now_ms - failureTimeoutMs;
      const joined = created || back || row.same_info !== true;
      const changed = joined || removed.length > 0;
      let version = row.version;
      if (changed || sweep.record) version = await this.updateState(manager, changed, sweep.record);
      const ids = removed.map((gone) => gone.id);
      if (changed && version !== null) {
        const change = changeTo(version);
        const notices = ids.map((id) => JSON.stringify({ type: 'left', id, ...change }));
        if (joined) notices.push(joinedNotice(self, row.now_ms, change));
        await this.notify(manager, notices);
      }
      if (version !== null && version === knownVersion) return { created, removed: ids, version };
      return { created, removed: ids, ...(await this.read(manager, failureTimeoutMs)) };
    });
  }

  async list(failureTimeoutMs: number): Promise<MembershipSnapshot> {
    return this.read(this.dataSource.manager, failureTimeoutMs);
  }

  async leave(self: NodeInfo): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const gone = (await manager.query(
        `WITH gone AS (DELETE FROM ${this.table} WHERE id = $1 AND incarnation = $2 RETURNING id) SELECT id FROM gone`,
        [self.id, self.incarnation],
      )) as unknown[];
      if (gone.length === 0) return;
      const to = await this.updateState(manager, true, undefined);
      const change = to === null ? {} : changeTo(to);
      await this.notify(manager, [JSON.stringify({ type: 'left', id: self.id, ...change })]);
    });
  }

  async close(): Promise<void> {
    await this.listener?.close();
    this.listener = undefined;
  }

  /**
   * Bumps the version (when `bump`) and records a grace; returns the version. Writes here are SELECTs over a CTE:
   * TypeORM hands a bare `UPDATE … RETURNING` back as `[rows, count]`, not as the rows.
   */
  private async updateState(
    manager: EntityManager,
    bump: boolean,
    grace: { until: number; cutoff: number } | undefined,
  ): Promise<string | null> {
    const rows = (await manager.query(
      `WITH updated AS (
         UPDATE ${this.state} SET version = version + $1::int,
           grace_until = coalesce(to_timestamp($2::float8 / 1000), grace_until),
           grace_cutoff = coalesce(to_timestamp($3::float8 / 1000), grace_cutoff)
         WHERE id = 1
         RETURNING version
       )
       SELECT version::text AS version FROM updated`,
      [bump ? 1 : 0, grace?.until ?? null, grace?.cutoff ?? null],
    )) as [{ version: string }] | [];
    return rows[0]?.version ?? null;
  }

  /** Sends `notices` in order, delivered when the transaction commits. */
  private async notify(manager: EntityManager, notices: string[]): Promise<void> {
    if (notices.length === 0) return;
    await manager.query(
      `SELECT pg_notify($1, n) FROM unnest($2::text[]) WITH ORDINALITY AS t(n, i) ORDER BY i`,
      [this.channel, notices],
    );
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
