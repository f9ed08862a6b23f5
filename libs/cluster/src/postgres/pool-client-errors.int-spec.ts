import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import type { ClusterConnections } from '../connections/cluster-connections.js';
import { createClusterConnections } from '../connections/create-connections.js';
import { poolOfDataSource } from './data-source-pool.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The `pg.Pool` under ClusterModule's TypeORM DataSource. */
function poolOf(connections: ClusterConnections): pg.Pool {
  const pool = poolOfDataSource(connections.postgres());
  if (!pool) throw new Error('ClusterModule opened Postgres without a pg pool');
  return pool;
}

/** Resolves on the client's 'end', without listening to 'error' (as `events.once` would). */
function ended(client: pg.PoolClient): Promise<void> {
  return new Promise((resolve) => client.once('end', () => resolve()));
}

/** Ends the server side of `client`'s connection the way a crash or an admin does: a FATAL message, then EOF. */
async function terminateBackendOf(client: pg.PoolClient): Promise<void> {
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  try {
    await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
  } finally {
    await admin.end();
  }
}

describe("ClusterModule's Postgres pool: a dropped connection never ends the process", () => {
  let connections: ClusterConnections;

  beforeAll(async () => {
    connections = await createClusterConnections({
      postgres: DATABASE_URL,
      nodeId: 'guard',
      startupTimeout: 10_000,
    });
  });

  afterAll(async () => {
    await connections.close();
  });

  it('a client checked out and idle when its server goes away: the error is absorbed, the pool serves on', async () => {
    const pool = poolOf(connections);
    const client = await pool.connect(); // checked out: the pool's own idle listener is off
    const gone = ended(client);
    await terminateBackendOf(client);
    await gone; // the FATAL message and the EOF were processed: without a listener, 'error' would have thrown
    client.release(true);
    const { rows } = await pool.query<{ one: number }>('SELECT 1 AS one');
    expect(rows).toEqual([{ one: 1 }]);
  });

  it('the same for a client the pool connected before the guard, once it is checked out again', async () => {
    const pool = poolOf(connections);
    const first = await pool.connect();
    first.release();
    const again = await pool.connect(); // most likely the same client, now idle-then-acquired
    const gone = ended(again);
    await terminateBackendOf(again);
    await gone;
    again.release(true);
    await expect(connections.postgres().query('SELECT 1 AS one')).resolves.toEqual([{ one: 1 }]);
  });
});
