import type { DataSource, EntityManager } from 'typeorm';
import type { NodeInfo } from '../node-identity.js';
import { PostgresListener } from '../postgres/postgres-listener.js';
import { ensurePostgresSchema } from '../postgres/postgres-schema.js';
import type { BeatResult, MemberRecord, MembershipNotice, MembershipStore } from './membership-store.js';
import { byId, parseNodeInfo, parseNotice } from './member-record.codec.js';

interface MemberRow {
  id: string;
  info: string;
  last_seen_ms: string;
}

/**
 * Membership in PostgreSQL, the "no extra infrastructure" path: one table in the `<prefix>` schema, heartbeats
 * stamped with `now()`, sweeps as a single `DELETE ... RETURNING` (one remover per member), and LISTEN/NOTIFY for
 * instant notices.
 */
export class PostgresMembershipStore implements MembershipStore {
  private readonly table: string;
  private readonly channel: string;
  private listener?: PostgresListener;

  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
  ) {
    this.table = `"${schema}"."cluster_members"`;
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
    ]);
    // A notice lost while LISTEN was down is covered by re-reading: the owner polls every heartbeat anyway.
    this.listener = new PostgresListener(this.dataSource, this.channel, (payload) => {
      const notice = parseNotice(payload);
      if (notice) onNotice(notice);
    });
    await this.listener.start();
  }

  async beat(self: NodeInfo, failureTimeoutMs: number): Promise<BeatResult> {
    return this.dataSource.transaction(async (manager) => {
      const [{ previous }] = (await manager.query(
        `WITH previous AS (SELECT incarnation FROM ${this.table} WHERE id = $1),
         upsert AS (
           INSERT INTO ${this.table} (id, incarnation, info, last_seen) VALUES ($1, $2, $3::jsonb, now())
           ON CONFLICT (id) DO UPDATE SET incarnation = excluded.incarnation, info = excluded.info, last_seen = now()
           RETURNING id
         )
         SELECT (SELECT incarnation FROM previous) AS previous FROM upsert`,
        [self.id, self.incarnation, JSON.stringify(self)],
      )) as [{ previous: string | null }];
      const created = previous !== self.incarnation;
      if (created) await this.notify(manager, 'joined', self.id);
      const removed = (await manager.query(
        `WITH gone AS (
           DELETE FROM ${this.table} WHERE last_seen < now() - make_interval(secs => $1 / 1000.0) RETURNING id
         )
         SELECT id, pg_notify($2, json_build_object('type', 'left', 'id', id)::text) FROM gone`,
        [failureTimeoutMs, this.channel],
      )) as { id: string }[];
      const members = await this.read(manager, failureTimeoutMs);
      return { created, removed: removed.map((row) => row.id), members };
    });
  }

  async list(failureTimeoutMs: number): Promise<MemberRecord[]> {
    return this.read(this.dataSource.manager, failureTimeoutMs);
  }

  async leave(self: NodeInfo): Promise<void> {
    await this.dataSource.query(
      `WITH gone AS (DELETE FROM ${this.table} WHERE id = $1 AND incarnation = $2 RETURNING id)
       SELECT pg_notify($3, json_build_object('type', 'left', 'id', id)::text) FROM gone`,
      [self.id, self.incarnation, this.channel],
    );
  }

  async close(): Promise<void> {
    await this.listener?.close();
    this.listener = undefined;
  }

  private async notify(manager: EntityManager, type: 'joined' | 'left', id: string): Promise<void> {
    await manager.query(`SELECT pg_notify($1, $2)`, [this.channel, JSON.stringify({ type, id })]);
  }

  private async read(manager: EntityManager, failureTimeoutMs: number): Promise<MemberRecord[]> {
    const rows = (await manager.query(
      `SELECT id, info::text AS info, (extract(epoch FROM last_seen) * 1000)::bigint::text AS last_seen_ms
       FROM ${this.table} WHERE last_seen >= now() - make_interval(secs => $1 / 1000.0)`,
      [failureTimeoutMs],
    )) as MemberRow[];
    const records: MemberRecord[] = [];
    for (const row of rows) {
      const info = parseNodeInfo(row.info);
      if (info) records.push({ ...info, lastSeen: Number(row.last_seen_ms) });
    }
    return records.sort(byId);
  }
}
