import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Module } from '@nestjs/common';
import { InProcessCluster, PostgresServer, eventually } from '@shoal/testing';
import { DataSource } from 'typeorm';
import { ClusterModule } from '../cluster.module.js';
import { ClusterService } from '../cluster.service.js';
import { createNodeInfo } from '../node-identity.js';
import type { MembershipEvent } from './membership-event.js';
import { PostgresMembershipStore } from './postgres-membership.store.js';

@Module({})
class OutageNodeModule {}

const FAILURE_TIMEOUT = 2000;

describe('Postgres membership across a Postgres outage longer than the failure timeout', () => {
  let server: PostgresServer;
  let cluster: InProcessCluster;

  beforeAll(async () => {
    server = await PostgresServer.start();
    cluster = await InProcessCluster.start(3, (index) => ({
      module: OutageNodeModule,
      imports: [
        ClusterModule.forRoot({
          postgres: server.url,
          nodeId: `pg-outage-${index}`,
          heartbeatInterval: 200,
          failureTimeout: FAILURE_TIMEOUT,
        }),
      ],
    }));
  }, 60_000);

  afterAll(async () => {
    await cluster?.close();
    await server?.stop();
  });

  it('drops nobody who is alive, and removes the member that died meanwhile once the grace is over', async () => {
    const services = cluster.all(ClusterService);
    // A fourth member that beats once and then stays silent: it dies with the outage.
    const ghostSource = await new DataSource({ type: 'postgres', url: server.url }).initialize();
    const ghost = new PostgresMembershipStore(ghostSource, 'shoal');
    await ghost.beat(createNodeInfo({ nodeId: 'pg-outage-ghost' }), FAILURE_TIMEOUT);
    await ghostSource.destroy();
    await eventually(() => services.every((s) => s.size === 4), { what: 'initial membership' });
    const events: MembershipEvent[] = [];
    for (const service of services) service.events$.subscribe((event) => events.push(event));

    await server.kill();
    // Past the failure timeout without a heartbeat, no node counts itself registered: the outage is long enough
    // that, without the grace, the first node back would remove every other one.
    await eventually(() => services.every((s) => !s.registered), { what: 'every node unregistered' });
    await server.restart();

    await eventually(() => services.every((s) => s.registered && s.size === 3), {
      timeoutMs: 30_000,
      what: 'the three live nodes registered again, the ghost removed',
    });
    const changes = events.map((event) => `${event.type} ${event.member.id}`);
    // Each of the three nodes saw the ghost leave, and nothing else: no live node left or re-joined.
    expect(changes).toEqual(['left pg-outage-ghost', 'left pg-outage-ghost', 'left pg-outage-ghost']);
  }, 90_000);
});
