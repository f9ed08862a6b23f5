import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Module } from '@nestjs/common';
import { ClusterModule } from '@shoal/cluster';
import { InProcessCluster, eventually } from '@shoal/testing';
import { Redis } from 'ioredis';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { JobDeadLetters, JobsModule } from '@shoal/jobs';
import { UnsafeWebhookTargetError } from './errors/unsafe-webhook-target.error.js';
import { WEBHOOK_QUEUE } from './webhooks.constants.js';
import { WebhooksModule } from './webhooks.module.js';
import { WebhookService } from './webhook.service.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Received {
  path: string;
  at: number;
  headers: Record<string, string>;
  body: string;
}

@Module({})
class WebhookTestModule {}

const backends: [string, 'redis' | 'postgres'][] = [
  ['Redis + Postgres (BullMQ)', 'redis'],
  ['Postgres alone (pg-boss, endpoint versions over NOTIFY)', 'postgres'],
];

describe.each(backends)('WebhookService against a local receiver, on %s', (_, backend) => {
  const prefix = `t_${Math.random().toString(36).slice(2, 10)}`;
  let receiver: Server;
  let base: string;
  const received: Received[] = [];
  const hits = new Map<string, number>();
  let group: InProcessCluster;
  let webhooks: WebhookService;

  beforeAll(async () => {
    receiver = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const path = req.url ?? '/';
        const n = (hits.get(path) ?? 0) + 1;
        hits.set(path, n);
        received.push({ path, at: Date.now(), headers: req.headers as Record<string, string>, body });
        if (path === '/ok') return res.writeHead(204).end();
        if (path === '/flaky') return res.writeHead(n === 1 ? 500 : 200).end('x');
        if (path === '/busy')
          return res.writeHead(n === 1 ? 429 : 200, n === 1 ? { 'retry-after': '1' } : {}).end();
        if (path === '/gone') return res.writeHead(410).end();
        if (path === '/bad') return res.writeHead(400).end('nope');
        if (path === '/db-down')
          return res.writeHead(503).end('terminating connection due to administrator command');
        if (path === '/slow' && n === 1) return; // never answers: the attempt times out
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    group = await InProcessCluster.start(1, () => ({
      module: WebhookTestModule,
      imports: [
        ClusterModule.forRoot(
          backend === 'redis'
            ? { redis: REDIS_URL, postgres: DATABASE_URL, prefix, nodeId: 'w0' }
            : { postgres: DATABASE_URL, store: 'postgres', prefix, nodeId: 'w0' },
        ),
        JobsModule.forRoot(),
        WebhooksModule.forRoot({
          allowList: ['127.0.0.1'],
          schedule: [0, 100, 100, 100],
          timeout: 500,
          connectTimeout: 500,
        }),
      ],
    }));
    webhooks = group.nodes[0].app.get(WebhookService);
  }, 30_000);

  afterAll(async () => {
    await group.close();
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${prefix}" CASCADE`);
    await client.query(`DROP SCHEMA IF EXISTS "${prefix}_jobs" CASCADE`);
    await client.end();
  });

  const endpoint = (path: string) =>
    webhooks.createEndpoint({ url: `${base}${path}`, eventTypes: [`t${path}`] });
  const deliveries = (path: string) => received.filter((r) => r.path === path);

  it('signs deliveries so the official Standard Webhooks verifier accepts them', async () => {
    const ep = await endpoint('/ok');
    expect(ep.secrets[0]).toMatch(/^whsec_/);
    await webhooks.send('t/ok', { orderId: 'o-1' }, { webhookId: 'msg_fixed_1' });
    const [hit] = await eventually(() => (deliveries('/ok').length === 1 ? deliveries('/ok') : undefined));
    expect(hit.headers['webhook-id']).toBe('msg_fixed_1');
    const verified = new Webhook(ep.secrets[0]).verify(hit.body, hit.headers) as { data: unknown };
    expect(verified.data).toEqual({ orderId: 'o-1' });
    await eventually(async () => (await webhooks.attempts({ endpointId: ep.id }))[0]?.outcome === 'success');
  });

  it('retries a 500, then succeeds, with the same webhook-id', async () => {
    await endpoint('/flaky');
    await webhooks.send('t/flaky', { n: 1 });
    await eventually(() => deliveries('/flaky').length === 2, { what: 'two attempts' });
    const [a, b] = deliveries('/flaky');
    expect(a.headers['webhook-id']).toBe(b.headers['webhook-id']);
  });

  it('honours Retry-After on a 429', async () => {
    await endpoint('/busy');
    await webhooks.send('t/busy', {});
    await eventually(() => deliveries('/busy').length === 2, { what: 'the retry', timeoutMs: 5000 });
    const [a, b] = deliveries('/busy');
    expect(b.at - a.at).toBeGreaterThanOrEqual(950); // the schedule says 100 ms; the receiver asked for 1 s
  });

  it('disables an endpoint that answers 410', async () => {
    const ep = await endpoint('/gone');
    await webhooks.send('t/gone', {});
    await eventually(async () => (await webhooks.endpoints()).find((e) => e.id === ep.id)?.disabledAt, {
      what: 'disabled',
    });
    expect(await webhooks.send('t/gone', {})).toEqual([]); // nothing goes to a disabled endpoint
  });

  it('treats other 4xx as final: one attempt, dead-lettered with the error', async () => {
    const ep = await endpoint('/bad');
    await webhooks.send('t/bad', {});
    const deadLetters = group.nodes[0].app.get(JobDeadLetters);
    const dead = await eventually(async () =>
      (await deadLetters.list(WEBHOOK_QUEUE)).find((d) => d.error.includes('HTTP 400')),
    );
    expect(dead.attempts).toBe(1);
    expect(deliveries('/bad')).toHaveLength(1);
    const [attempt] = await webhooks.attempts({ endpointId: ep.id });
    expect(attempt).toMatchObject({ status: 400, outcome: 'final' });
  });

  it("spends an attempt on a 503 whose body reads like a database outage (the receiver's, not Shoal's): 4 attempts, then dead-lettered", async () => {
    const ep = await endpoint('/db-down');
    await webhooks.send('t/db-down', {});
    const deadLetters = group.nodes[0].app.get(JobDeadLetters);
    const dead = await eventually(
      async () =>
        (await deadLetters.list(WEBHOOK_QUEUE)).find(
          (d) => (d.data as { endpointId?: string }).endpointId === ep.id,
        ),
      { what: 'dead-lettered after its 4 attempts', timeoutMs: 15_000 },
    );
    expect({ attempts: dead.attempts, error: dead.error, hits: deliveries('/db-down').length }).toEqual({
      attempts: 4,
      error: 'HTTP 503',
      hits: 4,
    });
  });

  it('retries after a timeout', async () => {
    await endpoint('/slow');
    await webhooks.send('t/slow', {});
    await eventually(() => deliveries('/slow').length === 2, {
      what: 'the retry after the timeout',
      timeoutMs: 5000,
    });
    const attempts = await eventually(async () => {
      const list = await webhooks.attempts({ limit: 100 });
      const slow = list.filter((a) => a.eventType === 't/slow');
      return slow.length === 2 ? slow : undefined;
    });
    expect(attempts.map((a) => a.outcome).sort()).toEqual(['retry', 'success']);
  });

  it('sends to an endpoint created after the endpoint list of its event type was cached', async () => {
    await webhooks.createEndpoint({ url: `${base}/ok-a`, eventTypes: ['t/later'] });
    expect(await webhooks.send('t/later', {})).toHaveLength(1);
    await webhooks.createEndpoint({ url: `${base}/ok-b`, eventTypes: ['t/later'] });
    expect(await webhooks.send('t/later', {})).toHaveLength(2);
    await eventually(() => deliveries('/ok-a').length === 2 && deliveries('/ok-b').length === 1);
  });

  it('refuses a private target when the allow-list does not cover it', async () => {
    await expect(webhooks.createEndpoint({ url: 'http://10.0.0.5/hook' })).rejects.toBeInstanceOf(
      UnsafeWebhookTargetError,
    );
    await expect(
      webhooks.createEndpoint({ url: 'http://169.254.169.254/latest/meta-data' }),
    ).rejects.toBeInstanceOf(UnsafeWebhookTargetError);
  });
});
