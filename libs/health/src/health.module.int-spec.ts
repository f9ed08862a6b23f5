import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ClusterConnections, ClusterModule } from '@shoal/cluster';
import { EventBus, EventBusModule, IntegrationEvent } from '@shoal/events';
import { JobsModule, JobsService } from '@shoal/jobs';
import { LeaderModule } from '@shoal/leader';
import { RedisServer, TcpProxy, eventually } from '@shoal/testing';
import pg from 'pg';
import { HealthModule } from './health.module.js';
import { EventLoopHealthIndicator } from './indicators/event-loop.health.js';
import { OutboxHealthIndicator } from './indicators/outbox.health.js';
import { QueuesHealthIndicator } from './indicators/queues.health.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const prefix = `t_${Math.random().toString(36).slice(2, 10)}`;

@IntegrationEvent('health.probe-tested')
class ProbeTested {
  constructor(readonly n: number) {}
}

interface Probe {
  status: number;
  body: {
    status: string;
    info?: Record<string, { status: string }>;
    error?: Record<string, { status: string }>;
  };
}

describe('HealthModule indicators against real Redis and Postgres', () => {
  let redis: RedisServer;
  let postgresProxy: TcpProxy;
  let app: INestApplication;
  let base: string;

  const get = async (path: string): Promise<Probe> => {
    const response = await fetch(`${base}${path}`);
    return { status: response.status, body: (await response.json()) as Probe['body'] };
  };
  const statusOf = (probe: Probe, key: string) =>
    probe.body.info?.[key]?.status ?? probe.body.error?.[key]?.status;

  beforeAll(async () => {
    redis = await RedisServer.start();
    postgresProxy = await TcpProxy.start(Number(new URL(DATABASE_URL).port || 5432));
    const database = new URL(DATABASE_URL);
    database.port = String(postgresProxy.port);
    const moduleRef = await Test.createTestingModule({
      imports: [
        ClusterModule.forRoot({
          redis: redis.url,
          postgres: database.toString(),
          prefix,
          nodeId: 'health-1',
          heartbeatInterval: 200,
          failureTimeout: 1000,
        }),
        LeaderModule.forRoot({ leaseTtl: 1000 }),
        EventBusModule.forRoot({ relay: { mode: 'off' } }),
        JobsModule.forRoot({ workers: false }),
        JobsModule.registerQueue({ name: 'health-work' }),
        HealthModule.forRoot({
          drainDelay: 0,
          timeout: 500,
          queues: { maxWaiting: 2 },
          outbox: { maxBacklog: 1 },
        }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: ['error'] });
    app.enableShutdownHooks();
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  }, 30_000);

  afterAll(async () => {
    await app?.close();
    await redis?.destroy();
    await postgresProxy?.close();
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${prefix}" CASCADE`);
    await client.end();
  });

  it('reports every indicator up under its own key, ready and live', async () => {
    const detail = await eventually(async () => {
      const probe = await get('/health');
      return probe.status === 200 ? probe : undefined;
    });
    expect(detail.body.status).toBe('ok');
    for (const key of ['redis', 'postgres', 'membership', 'leader', 'queues', 'outbox', 'eventLoop']) {
      expect({ key, status: statusOf(detail, key) }).toEqual({ key, status: 'up' });
    }
    expect((await get('/health/ready')).status).toBe(200);
    expect((await get('/health/live')).status).toBe(200);
  });

  it('reports Redis down and membership stale while Redis is dead, and up again after a restart', async () => {
    await redis.kill();
    const down = await eventually(
      async () => {
        const probe = await get('/health');
        return statusOf(probe, 'redis') === 'down' && statusOf(probe, 'membership') === 'down'
          ? probe
          : undefined;
      },
      { timeoutMs: 10_000, what: 'redis and membership down' },
    );
    expect(down.status).toBe(503);
    expect(statusOf(down, 'postgres')).toBe('up');
    expect((await get('/health/ready')).status).toBe(503);
    expect((await get('/health/live')).status).toBe(200);

    await redis.restart();
    await eventually(
      async () => {
        const probe = await get('/health/ready');
        return (
          probe.status === 200 && statusOf(probe, 'redis') === 'up' && statusOf(probe, 'membership') === 'up'
        );
      },
      { timeoutMs: 20_000, what: 'ready again without restarting the app' },
    );
    await eventually(async () => statusOf(await get('/health'), 'leader') === 'up', {
      timeoutMs: 10_000,
      what: 'a leader again',
    });
  }, 40_000);

  it('reports Postgres down while it is unreachable, and up again once it is back', async () => {
    postgresProxy.cut();
    try {
      const down = await eventually(
        async () => {
          const probe = await get('/health/ready');
          return statusOf(probe, 'postgres') === 'down' ? probe : undefined;
        },
        { timeoutMs: 10_000, what: 'postgres down' },
      );
      expect(down.status).toBe(503);
      expect(statusOf(down, 'redis')).toBe('up');
    } finally {
      postgresProxy.restore();
    }
    await eventually(async () => (await get('/health/ready')).status === 200, {
      timeoutMs: 15_000,
      what: 'postgres up again',
    });
  }, 30_000);

  it('flips the queues indicator when a queue passes its threshold', async () => {
    const queues = app.get(QueuesHealthIndicator);
    expect((await queues.isHealthy()).queues.status).toBe('up');
    const jobs = app.get(JobsService);
    for (let i = 0; i < 3; i += 1) await jobs.enqueue('health-work', 'noop', { i });
    const over = await queues.isHealthy();
    expect(over.queues).toMatchObject({ status: 'down', queues: { 'health-work': { waiting: 3 } } });
    expect((await queues.isHealthy('queues', { maxWaiting: 10 })).queues.status).toBe('up');
    expect((await get('/health')).status).toBe(503);
  });

  it('flips the outbox indicator when the unrelayed backlog passes its threshold', async () => {
    const outbox = app.get(OutboxHealthIndicator);
    expect((await outbox.isHealthy()).outbox).toMatchObject({ status: 'up', backlog: 0 });
    const bus = app.get(EventBus);
    await app
      .get(ClusterConnections)
      .postgres()
      .transaction((manager) => bus.publish([new ProbeTested(1), new ProbeTested(2)], { manager }));
    expect((await outbox.isHealthy()).outbox).toMatchObject({ status: 'down', backlog: 2 });
    expect((await outbox.isHealthy('outbox', { maxBacklog: 5 })).outbox.status).toBe('up');
    expect((await outbox.isHealthy('outbox', { maxBacklog: 5, maxLag: 1 })).outbox.status).toBe('down');
  });

  it('flips the event-loop indicator when the loop is blocked past its threshold', async () => {
    const eventLoop = app.get(EventLoopHealthIndicator);
    for (let i = 0; i < 40; i += 1) {
      const until = performance.now() + 60;
      while (performance.now() < until) {
        // keep the loop busy
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect((await eventLoop.isHealthy('eventLoop', { maxLag: 30 })).eventLoop.status).toBe('down');
    expect((await eventLoop.isHealthy('eventLoop', { maxLag: 60_000 })).eventLoop.status).toBe('up');
  });
});
