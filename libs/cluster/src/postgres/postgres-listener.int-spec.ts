import { afterEach, describe, expect, it } from '@jest/globals';
import { PostgresServer, eventually } from '@shoal/testing';
import { DataSource } from 'typeorm';
import { PostgresListener } from './postgres-listener.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

describe('PostgresListener', () => {
  const open: DataSource[] = [];
  let server: PostgresServer | undefined;

  afterEach(async () => {
    await Promise.all(open.splice(0).map((ds) => ds.destroy().catch(() => undefined)));
    await server?.stop();
    server = undefined;
  });

  async function dataSource(url: string, applicationName: string): Promise<DataSource> {
    const ds = await new DataSource({
      type: 'postgres',
      url,
      applicationName,
      extra: { max: 4 },
    }).initialize();
    open.push(ds);
    return ds;
  }

  it('every listener of a DataSource shares one LISTEN connection, each getting only its channel', async () => {
    const app = `listen-${Math.random().toString(36).slice(2, 8)}`;
    const ds = await dataSource(DATABASE_URL, app);
    const got: Record<string, string[]> = {};
    const listeners = ['alpha', 'beta', 'gamma', 'delta'].map(
      (channel) => new PostgresListener(ds, `${app}_${channel}`, (p) => (got[channel] ??= []).push(p)),
    );
    await Promise.all(listeners.map((l) => l.start()));
    for (const channel of ['alpha', 'beta', 'gamma', 'delta']) {
      await ds.query(`SELECT pg_notify($1, $2)`, [`${app}_${channel}`, `hello ${channel}`]);
    }
    await eventually(() => Object.keys(got).length === 4, { what: 'one notification per channel' });
    expect(got).toEqual({
      alpha: ['hello alpha'],
      beta: ['hello beta'],
      gamma: ['hello gamma'],
      delta: ['hello delta'],
    });
    const [{ listening }] = (await ds.query(
      `SELECT count(*)::int AS listening FROM pg_stat_activity
       WHERE application_name = $1 AND query ILIKE '%LISTEN%' AND pid <> pg_backend_pid()`,
      [app],
    )) as { listening: number }[];
    expect(listening).toBe(1);
    await Promise.all(listeners.map((l) => l.close()));
  });

  it('after Postgres restarts, every listener is told and hears its channel again', async () => {
    server = await PostgresServer.start();
    const ds = await dataSource(server.url, 'listen-restart');
    const got: string[] = [];
    let reconnects = 0;
    const listeners = ['one', 'two'].map(
      (channel) =>
        new PostgresListener(
          ds,
          channel,
          (p) => got.push(p),
          () => (reconnects += 1),
        ),
    );
    await Promise.all(listeners.map((l) => l.start()));
    await server.kill();
    await server.restart();
    await eventually(() => reconnects === 2, {
      what: 'both listeners told of the reconnect',
      timeoutMs: 20_000,
    });
    await eventually(
      async () => {
        await ds.query(`SELECT pg_notify('one', 'again'), pg_notify('two', 'again')`);
        return got.filter((p) => p === 'again').length >= 2;
      },
      { what: 'notifications heard again', timeoutMs: 10_000, intervalMs: 200 },
    );
    await Promise.all(listeners.map((l) => l.close()));
  }, 60_000);
});
