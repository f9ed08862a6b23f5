import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Module } from '@nestjs/common';
import pg from 'pg';
import { ClusterConnections, ClusterModule } from '@shoal/cluster';
import { InProcessCluster } from '@shoal/testing';
import { StaleFencingTokenError } from '../errors/stale-fencing-token.error.js';
import { LeaderModule } from '../leader.module.js';
import { FencingService } from './fencing.service.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `t_${Math.random().toString(36).slice(2, 10)}`;

@Module({})
class FencingTestModule {}

describe('FencingService', () => {
  let group: InProcessCluster;
  let fencing: FencingService;
  let connections: ClusterConnections;

  beforeAll(async () => {
    group = await InProcessCluster.start(1, () => ({
      module: FencingTestModule,
      imports: [
        ClusterModule.forRoot({ postgres: DATABASE_URL, prefix: schema, nodeId: 'f0' }),
        LeaderModule.forRoot(),
      ],
    }));
    fencing = group.nodes[0].app.get(FencingService);
    connections = group.nodes[0].app.get(ClusterConnections);
    await connections.postgres().query(`CREATE TABLE "${schema}".ledger (id serial, token bigint)`);
  });

  afterAll(async () => {
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await group.close();
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  });

  const write = (token: number) =>
    fencing.transaction(
      'ledger',
      (manager) => manager.query(`INSERT INTO "${schema}".ledger (token) VALUES ($1)`, [token]),
      token,
    );

  it('accepts equal or newer tokens and refuses an older one, writing nothing of it', async () => {
    await write(5);
    await write(5);
    await write(7);
    await expect(write(6)).rejects.toBeInstanceOf(StaleFencingTokenError);
    const rows = (await connections.postgres().query(`SELECT token FROM "${schema}".ledger ORDER BY id`)) as {
      token: string;
    }[];
    expect(rows.map((r) => Number(r.token))).toEqual([5, 5, 7]);
  });

  it('keeps resources apart: token 1 is current on another resource although "ledger" saw 7', async () => {
    await write(7);
    await expect(fencing.transaction('other', async () => 'written', 1)).resolves.toBe('written');
  });

  it('refuses to check outside a transaction, and without a token outside a singleton', async () => {
    await expect(fencing.check(connections.postgres().manager, 'ledger', 9)).rejects.toThrow(
      /inside a transaction/,
    );
    await expect(fencing.transaction('ledger', async () => undefined)).rejects.toThrow(/no fencing token/);
  });
});
