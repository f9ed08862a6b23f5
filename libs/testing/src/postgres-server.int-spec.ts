import { afterEach, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import pg from 'pg';
import { eventually } from './eventually.js';
import { PostgresServer, findPostgresBinDir } from './postgres-server.js';

const TIMEOUT = 60_000;
const servers: PostgresServer[] = [];

/** Runs one query on a fresh connection to `url`. */
async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

async function startServer(): Promise<PostgresServer> {
  const server = await PostgresServer.start();
  servers.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

describe('PostgresServer', () => {
  it('finds the server binaries', () => {
    expect(findPostgresBinDir()).toMatch(/^\/usr\/lib\/postgresql\/[^/]+\/bin$/);
  });

  it(
    'starts a private cluster, keeps its data across restarts, and stops',
    async () => {
      const server = await startServer();
      expect(server.port).not.toBe(5432);
      expect(server.url).toBe(`postgres://postgres@127.0.0.1:${server.port}/postgres`);
      expect(server.running).toBe(true);
      expect(await query(server.url, 'select 1 as one')).toEqual([{ one: 1 }]);

      await query(server.url, "create table probe (v text); insert into probe values ('kept')");
      const firstPid = server.pid;
      await server.restart();
      expect(server.running).toBe(true);
      expect(server.pid).not.toBe(firstPid);
      expect(await query(server.url, 'select v from probe')).toEqual([{ v: 'kept' }]);

      await server.stop();
      expect(server.running).toBe(false);
      await expect(query(server.url, 'select 1')).rejects.toThrow();
    },
    TIMEOUT,
  );

  it(
    'recovers its data after a crash (kill, then restart)',
    async () => {
      const server = await startServer();
      await query(server.url, "create table probe (v text); insert into probe values ('survives')");
      // A backend busy with a long query would outlive a postmaster killed alone, and block the restart.
      const busy = new pg.Client({ connectionString: server.url });
      busy.on('error', () => undefined);
      await busy.connect();
      const longQuery = busy
        .query('select count(*) from generate_series(1, 1000000000)')
        .catch(() => 'killed');
      await eventually(
        async () =>
          (await query(server.url, "select 1 from pg_stat_activity where query like 'select count(*)%'"))
            .length > 0,
        { what: 'the long query running' },
      );

      await server.kill();
      expect(server.running).toBe(false);
      expect(await longQuery).toBe('killed');
      await busy.end().catch(() => undefined);

      await server.restart();
      expect(await query(server.url, 'select v from probe')).toEqual([{ v: 'survives' }]);
    },
    TIMEOUT,
  );

  it(
    'stops even with clients connected, and removes its temp dir',
    async () => {
      const server = await startServer();
      const [{ dir }] = await query<{ dir: string }>(
        server.url,
        "select current_setting('data_directory') as dir",
      );
      expect(dir).toMatch(/shoal-pg-/);
      const held = new pg.Client({ connectionString: server.url });
      held.on('error', () => undefined);
      await held.connect();

      await server.stop();
      await held.end().catch(() => undefined);
      expect(server.running).toBe(false);
      expect(existsSync(dir)).toBe(false);
    },
    TIMEOUT,
  );

  it(
    'fails, instead of passing for it, when another Postgres server answers on its port',
    async () => {
      const other = await startServer();
      await expect(PostgresServer.start({ port: other.port })).rejects.toThrow(
        /postgres :\d+ (exited before it was ready|failed its readiness check: port \d+ is answered by the server of )/,
      );
      expect(await query(other.url, 'select 1')).toHaveLength(1);
    },
    TIMEOUT,
  );
});
