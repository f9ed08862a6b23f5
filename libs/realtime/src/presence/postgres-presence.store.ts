import { createIndexIfMissing, ensurePostgresSchema } from '@shoal/cluster/internal';
import type { DataSource } from 'typeorm';
import type { PresenceNode, PresenceStore, PresenceTotals, UserSockets } from './presence-store.js';

/** The presence tables of a schema. */
export function presenceDdl(schema: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS "${schema}".realtime_nodes (
      node_id text PRIMARY KEY, registered_at timestamptz NOT NULL DEFAULT now())`,
    `CREATE TABLE IF NOT EXISTS "${schema}".realtime_presence (
      node_id text NOT NULL, user_id text NOT NULL, sockets int NOT NULL CHECK (sockets > 0),
      PRIMARY KEY (node_id, user_id))`,
    createIndexIfMissing('realtime_presence_user', `"${schema}".realtime_presence`, '(user_id)'),
  ];
}

/**
 * Presence in Postgres: a row per (node, user) with its socket count, and a row per registered node. Reads join
 * the registrations, so a row written by a node in the very moment it was removed never shows.
 */
export class PostgresPresenceStore implements PresenceStore {
  private readonly nodesTable: string;
  private readonly table: string;

  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
  ) {
    this.nodesTable = `"${schema}".realtime_nodes`;
    this.table = `"${schema}".realtime_presence`;
  }

  async init(): Promise<void> {
    await ensurePostgresSchema(this.dataSource, this.schema, presenceDdl(this.schema));
  }

  async register(nodeId: string, counts: ReadonlyMap<string, number>): Promise<void> {
    const entries = [...counts].filter(([, n]) => n > 0);
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`DELETE FROM ${this.table} WHERE node_id = $1`, [nodeId]);
      await manager.query(
        `INSERT INTO ${this.nodesTable} (node_id) VALUES ($1)
         ON CONFLICT (node_id) DO UPDATE SET registered_at = now()`,
        [nodeId],
      );
      if (entries.length > 0) {
        await manager.query(
          `INSERT INTO ${this.table} (node_id, user_id, sockets)
           SELECT $1, u, n FROM unnest($2::text[], $3::int[]) AS t(u, n)`,
          [nodeId, entries.map(([u]) => u), entries.map(([, n]) => n)],
        );
      }
    });
  }

  async connect(nodeId: string, userId: string): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `INSERT INTO ${this.table} (node_id, user_id, sockets)
       SELECT $1, $2, 1 WHERE EXISTS (SELECT 1 FROM ${this.nodesTable} WHERE node_id = $1)
       ON CONFLICT (node_id, user_id) DO UPDATE SET sockets = ${this.table}.sockets + 1
       RETURNING sockets`,
      [nodeId, userId],
    )) as unknown[];
    return rows.length > 0;
  }

  async disconnect(nodeId: string, userId: string): Promise<boolean> {
    const [registered] = (await this.dataSource.query(
      `WITH registered AS (SELECT 1 FROM ${this.nodesTable} WHERE node_id = $1),
       dec AS (UPDATE ${this.table} SET sockets = sockets - 1
               WHERE node_id = $1 AND user_id = $2 AND sockets > 1 AND EXISTS (SELECT 1 FROM registered)),
       del AS (DELETE FROM ${this.table}
               WHERE node_id = $1 AND user_id = $2 AND sockets = 1 AND EXISTS (SELECT 1 FROM registered))
       SELECT EXISTS (SELECT 1 FROM registered) AS registered`,
      [nodeId, userId],
    )) as { registered: boolean }[];
    return registered.registered;
  }

  async remove(nodeId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`DELETE FROM ${this.nodesTable} WHERE node_id = $1`, [nodeId]);
      await manager.query(`DELETE FROM ${this.table} WHERE node_id = $1`, [nodeId]);
    });
  }

  async user(userId: string): Promise<UserSockets[]> {
    const rows = (await this.dataSource.query(
      `SELECT p.node_id, p.sockets FROM ${this.table} p JOIN ${this.nodesTable} n USING (node_id)
       WHERE p.user_id = $1 ORDER BY p.node_id`,
      [userId],
    )) as { node_id: string; sockets: number }[];
    return rows.map((row) => ({ nodeId: row.node_id, sockets: Number(row.sockets) }));
  }

  async totals(): Promise<PresenceTotals> {
    const [row] = (await this.dataSource.query(
      `SELECT count(DISTINCT p.user_id)::int AS users, coalesce(sum(p.sockets), 0)::int AS sockets
       FROM ${this.table} p JOIN ${this.nodesTable} n USING (node_id)`,
    )) as { users: number; sockets: number }[];
    return { users: row.users, sockets: row.sockets };
  }

  async nodes(): Promise<PresenceNode[]> {
    const rows = (await this.dataSource.query(
      `SELECT node_id, (extract(epoch FROM now() - registered_at) * 1000)::bigint AS ago FROM ${this.nodesTable}`,
    )) as { node_id: string; ago: string }[];
    return rows.map((row) => ({ nodeId: row.node_id, registeredAgo: Number(row.ago) }));
  }
}
