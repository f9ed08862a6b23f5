import { ensurePostgresSchema, PostgresListener } from '@shoal/cluster/internal';
import type { DataSource } from 'typeorm';
import type { AcquireResult, LeaseHolder, LeaseRenewal, LeaseStore } from './lease-store.js';

interface HolderRow {
  owner: string;
  token: string;
  remaining_ms: string;
}

/**
 * Leases in PostgreSQL: one row per lease in `<prefix>.leases`, expiry computed with `now()`, tokens from a column
 * that only grows, one UPDATE renewing all of a node's leases, and NOTIFY on release.
 */
export class PostgresLeaseStore implements LeaseStore {
  private readonly table: string;
  private readonly channel: string;
  private listener?: PostgresListener;

  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
  ) {
    this.table = `"${schema}"."leases"`;
    this.channel = `${schema}_leases_released`;
  }

  async init(onReleased: (lease: string) => void): Promise<void> {
    await ensurePostgresSchema(this.dataSource, this.schema, [
      `CREATE TABLE IF NOT EXISTS ${this.table} (
         name text PRIMARY KEY,
         owner text,
         token bigint NOT NULL,
         expires_at timestamptz NOT NULL
       )`,
    ]);
    this.listener = new PostgresListener(this.dataSource, this.channel, onReleased);
    await this.listener.start();
  }

  async acquire(lease: string, owner: string, ttlMs: number): Promise<AcquireResult> {
    const rows = (await this.dataSource.query(
      `INSERT INTO ${this.table} AS l (name, owner, token, expires_at)
       VALUES ($1, $2, 1, now() + make_interval(secs => $3 / 1000.0))
       ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, token = l.token + 1, expires_at = excluded.expires_at
       WHERE l.owner IS NULL OR l.expires_at <= now()
       RETURNING token::text AS token`,
      [lease, owner, ttlMs],
    )) as { token: string }[];
    if (rows.length === 1) return { acquired: true, token: Number(rows[0].token) };
    return { acquired: false, holder: await this.holder(lease) };
  }

  async renew(lease: string, owner: string, token: number, ttlMs: number): Promise<boolean> {
    const [rows] = (await this.dataSource.query(
      `UPDATE ${this.table} SET expires_at = now() + make_interval(secs => $4 / 1000.0)
       WHERE name = $1 AND owner = $2 AND token = $3 AND expires_at > now() RETURNING name`,
      [lease, owner, token, ttlMs],
    )) as [unknown[], number];
    return rows.length === 1;
  }

  async renewMany(renewals: readonly LeaseRenewal[], owner: string, ttlMs: number): Promise<boolean[]> {
    if (renewals.length === 0) return [];
    const [rows] = (await this.dataSource.query(
      `UPDATE ${this.table} AS l SET expires_at = now() + make_interval(secs => $4 / 1000.0)
       FROM unnest($1::text[], $2::bigint[]) AS r(name, token)
       WHERE l.name = r.name AND l.owner = $3 AND l.token = r.token AND l.expires_at > now()
       RETURNING l.name, l.token::text AS token`,
      [renewals.map((r) => r.lease), renewals.map((r) => String(r.token)), owner, ttlMs],
    )) as [{ name: string; token: string }[], number];
    const renewed = new Set(rows.map((row) => `${row.token}|${row.name}`));
    return renewals.map((r) => renewed.has(`${r.token}|${r.lease}`));
  }

  async release(lease: string, owner: string, token: number): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `WITH released AS (
         UPDATE ${this.table} SET owner = NULL, expires_at = now()
         WHERE name = $1 AND owner = $2 AND token = $3 AND expires_at > now() RETURNING name
       )
       SELECT pg_notify($4, name) FROM released`,
      [lease, owner, token, this.channel],
    )) as unknown[];
    return rows.length === 1;
  }

  async holder(lease: string): Promise<LeaseHolder | null> {
    const rows = (await this.dataSource.query(
      `SELECT owner, token::text AS token,
              greatest(0, extract(epoch FROM expires_at - now()) * 1000)::bigint::text AS remaining_ms
       FROM ${this.table} WHERE name = $1 AND owner IS NOT NULL AND expires_at > now()`,
      [lease],
    )) as HolderRow[];
    const row = rows[0];
    return row ? { owner: row.owner, token: Number(row.token), remainingMs: Number(row.remaining_ms) } : null;
  }

  async close(): Promise<void> {
    await this.listener?.close();
    this.listener = undefined;
  }
}
