import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ClusterModule } from '@shoal/cluster';
import { EventBus, EventBusModule, IntegrationEvent } from '@shoal/events';
import { JobsModule, JobsService } from '@shoal/jobs';
import { LeaderModule, LeaderService } from '@shoal/leader';
import { eventually } from '@shoal/testing';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Registry } from 'prom-client';
import { HealthModule } from '../health.module.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const prefix = `t_${Math.random().toString(36).slice(2, 10)}`;

@IntegrationEvent('health.metrics-tested')
class MetricsTested {
  constructor(readonly n: number) {}
}

async function startApp(nodeId: string, metricsRegistry?: Registry): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      ClusterModule.forRoot({ redis: REDIS_URL, postgres: DATABASE_URL, prefix, nodeId, metricsRegistry }),
      LeaderModule.forRoot(),
      EventBusModule.forRoot(),
      JobsModule.forRoot({ workers: false }),
      JobsModule.registerQueue({ name: 'metrics-work' }),
      HealthModule.forRoot({ drainDelay: 0 }),
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: ['error'] });
  await app.listen(0, '127.0.0.1');
  return app;
}

const metricsOf = async (app: INestApplication): Promise<{ type: string | null; text: string }> => {
  const port = (app.getHttpServer().address() as { port: number }).port;
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(response.status).toBe(200);
  return { type: response.headers.get('content-type'), text: await response.text() };
};

describe('GET /metrics', () => {
  const apps: INestApplication[] = [];

  beforeAll(async () => {
    // Two apps in one process on prom-client's global registry: neither throws "already registered".
    apps.push(await startApp('metrics-1'), await startApp('metrics-2'));
  }, 30_000);

  afterAll(async () => {
    for (const app of apps) await app.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${prefix}" CASCADE`);
    await client.end();
  });

  it("lists Shoal's metrics with the shoal_ prefix in Prometheus' text format", async () => {
    const [first] = apps;
    await eventually(() => apps.some((app) => app.get(LeaderService).isLeader()), { what: 'a leader' });
    await first.get(JobsService).enqueue('metrics-work', 'noop', { n: 1 });
    await first.get(JobsService).enqueue('metrics-work', 'noop', { n: 2 });
    await first.get(EventBus).publish(new MetricsTested(1));

    const { type, text } = await metricsOf(first);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const name of [
      'shoal_cluster_members',
      'shoal_leader_is_leader',
      'shoal_events_published_total',
      'shoal_outbox_lag_seconds',
      'shoal_jobs_waiting',
      'shoal_jobs_dead_letters',
    ]) {
      expect({ name, listed: text.includes(`# TYPE ${name} `) }).toEqual({ name, listed: true });
    }
    expect(text).toMatch(/^shoal_jobs_waiting\{queue="metrics-work"\} 2$/m);
    expect(text).toMatch(/^shoal_leader_is_leader 1$/m);
  });

  it('serves the registry the app passes', async () => {
    const registry = new Registry();
    const app = await startApp('metrics-3', registry);
    try {
      const { text } = await metricsOf(app);
      expect(text).toContain('# TYPE shoal_cluster_members gauge');
      expect(text).toContain('# TYPE shoal_jobs_waiting gauge');
      expect(await registry.getSingleMetricAsString('shoal_cluster_members')).toContain(
        'shoal_cluster_members',
      );
    } finally {
      await app.close();
    }
  }, 30_000);
});
