import { afterEach, describe, expect, it } from '@jest/globals';
import { eventually, PostgresServer, RedisServer } from '@shoal/testing';
import { Redis } from 'ioredis';
import { OrderLoad } from './support/order-load.js';
import { SampleNodes } from './support/sample-nodes.js';
import { WebhookReceiver } from './support/webhook-receiver.js';
import { setTimeout as sleep } from 'node:timers/promises';

interface Stats {
  orders: number;
  handled: number;
  deliveries: { total: number; distinct: number };
}

/** How long a store stays down in these scenarios (the fault, not a wait for an outcome). */
const OUTAGE_MS = 4000;
const names = ['alpha', 'bravo', 'charlie'];

/** Waits until `load` has `more` accepted orders beyond what it had. */
async function acceptMore(load: OrderLoad, more: number, what: string): Promise<void> {
  const target = load.accepted.length + more;
  await eventually(() => load.accepted.length >= target, { what, timeoutMs: 60_000 });
}

/** Every order Postgres committed is handled exactly once in effect and delivered to the plain handler. */
async function expectEveryOrderHandled(nodes: SampleNodes, load: OrderLoad): Promise<Stats> {
  let last: Stats | undefined;
  const stats = await eventually(
    async () => {
      last = await nodes.request<Stats>('alpha', '/orders/stats');
      return last.handled === last.orders && last.deliveries.distinct === last.orders ? last : undefined;
    },
    { what: 'every committed order handled', timeoutMs: 120_000, intervalMs: 500 },
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}; last stats ${JSON.stringify(last)}`);
  });
  expect(stats.orders).toBeGreaterThanOrEqual(load.accepted.length);
  expect(stats.handled).toBe(stats.orders); // the idempotent effect: once per order, never twice
  expect(stats.deliveries.distinct).toBe(stats.orders); // the plain group handler: at least once each
  return stats;
}

/** For a failure message: the orders without a webhook, what was recorded for them, and the dead letters. */
async function describeMissingWebhooks(
  nodes: SampleNodes,
  receiver: WebhookReceiver,
  load: OrderLoad,
): Promise<string> {
  const missing = load.accepted.filter((o) => !receiver.idsByOrder.has(o.orderId)).slice(0, 5);
  const attempts = await Promise.all(
    missing.map((o) =>
      nodes
        .request<unknown[]>('alpha', `/webhooks/deliveries?webhookId=${o.eventId}`)
        .catch((error: unknown) => String(error)),
    ),
  );
  const dashboard = await nodes
    .request<unknown>('alpha', '/dashboard/state')
    .catch((e: unknown) => String(e));
  return (
    `missing ${JSON.stringify(missing)}; their recorded attempts ${JSON.stringify(attempts)}; ` +
    `dashboard ${JSON.stringify(dashboard)}; ` +
    names.map((name) => `${name}'s last output:\n${nodes.node(name).output().slice(-1500)}`).join('\n')
  );
}

/** Every accepted order's webhook arrived, and under a single `webhook-id` (the event id). */
async function expectEveryWebhook(
  nodes: SampleNodes,
  receiver: WebhookReceiver,
  load: OrderLoad,
): Promise<void> {
  await eventually(() => load.accepted.every((o) => receiver.idsByOrder.has(o.orderId)), {
    what: 'a webhook for every accepted order',
    timeoutMs: 120_000,
    intervalMs: 500,
  }).catch(async (error: unknown) => {
    throw new Error(`${String(error)}; ${await describeMissingWebhooks(nodes, receiver, load)}`);
  });
  for (const order of load.accepted) {
    expect({ order: order.orderId, ids: [...receiver.idsByOrder.get(order.orderId)!] }).toEqual({
      order: order.orderId,
      ids: [order.eventId],
    });
  }
}

describe('committed orders survive a store that loses its data or goes away', () => {
  let nodes: SampleNodes | undefined;
  let receiver: WebhookReceiver | undefined;
  let redis: RedisServer | undefined;
  let postgres: PostgresServer | undefined;

  afterEach(async () => {
    await nodes?.dispose();
    await receiver?.stop();
    await redis?.destroy();
    await postgres?.stop();
    nodes = receiver = redis = postgres = undefined;
  }, 60_000);

  /** 3 replicas on a private Redis without persistence, a webhook endpoint, and orders flowing. */
  async function startOnPrivateRedis(): Promise<{ load: OrderLoad; redis: RedisServer }> {
    redis = await RedisServer.start({ persistent: false });
    receiver = new WebhookReceiver();
    const url = await receiver.start();
    nodes = await SampleNodes.start({ names, store: 'redis', redisUrl: redis.url });
    await nodes.request('alpha', '/webhooks/endpoints', 'POST', 10_000, { url });
    const load = new OrderLoad(nodes, names);
    await acceptMore(load, 60, 'orders accepted before the fault');
    return { load, redis };
  }

  it('Redis SIGKILLed and restarted empty mid-stream: every accepted order handled, idempotent effects once, one webhook-id per order', async () => {
    const { load, redis } = await startOnPrivateRedis();
    await redis.kill();
    const acceptedAtKill = load.accepted.length;
    await sleep(OUTAGE_MS);
    await redis.restart(); // empty: nothing persisted
    await acceptMore(load, 60, 'orders accepted after the restart');
    await load.stop();
    const stats = await expectEveryOrderHandled(nodes!, load);
    await expectEveryWebhook(nodes!, receiver!, load);
    console.log(
      `redis restarted empty: ${load.accepted.length} accepted (${acceptedAtKill} before the kill), ` +
        `${stats.deliveries.total} plain deliveries for ${stats.orders} orders, statuses ${JSON.stringify(load.statusCounts)}`,
    );
  }, 240_000);

  it('FLUSHALL mid-stream: every accepted order handled, idempotent effects once, one webhook-id per order', async () => {
    const { load, redis } = await startOnPrivateRedis();
    const admin = new Redis(redis.url);
    try {
      await admin.flushall();
    } finally {
      admin.disconnect();
    }
    await acceptMore(load, 60, 'orders accepted after FLUSHALL');
    await load.stop();
    const stats = await expectEveryOrderHandled(nodes!, load);
    await expectEveryWebhook(nodes!, receiver!, load);
    console.log(
      `FLUSHALL: ${load.accepted.length} accepted, ${stats.deliveries.total} plain deliveries for ${stats.orders} orders`,
    );
  }, 240_000);

  it('Postgres SIGKILLed and restarted: orders refused meanwhile get 503, none accepted is lost, no replica restarts', async () => {
    postgres = await PostgresServer.start();
    nodes = await SampleNodes.start({ names, store: 'redis', databaseUrl: postgres.url });
    const pids = names.map((n) => nodes!.node(n).pid);
    const load = new OrderLoad(nodes, names);
    await acceptMore(load, 60, 'orders accepted before the fault');
    await postgres.kill();
    await eventually(() => (load.statuses.get(503) ?? 0) > 0, { what: 'a 503 while Postgres is down' });
    await sleep(OUTAGE_MS);
    await postgres.restart();
    await acceptMore(load, 60, 'orders accepted after the restart');
    await load.stop();
    await expectEveryOrderHandled(nodes, load);
    // Refused orders were refused clearly: nothing but 201 and 503 (no 500, no hang).
    expect({ statuses: Object.keys(load.statusCounts).sort(), samples: [...load.samples] }).toMatchObject({
      statuses: ['201', '503'],
    });
    expect(names.map((n) => nodes!.node(n).pid)).toEqual(pids);
    console.log(
      `postgres restarted: ${load.accepted.length} accepted, statuses ${JSON.stringify(load.statusCounts)}`,
    );
  }, 240_000);

  it('on Postgres alone, Postgres SIGKILLed and restarted under 3 replicas: they recover without a restart, every accepted order handled and its webhook delivered', async () => {
    postgres = await PostgresServer.start();
    receiver = new WebhookReceiver();
    const url = await receiver.start();
    nodes = await SampleNodes.start({ names, store: 'postgres-only', databaseUrl: postgres.url });
    await nodes.request('alpha', '/webhooks/endpoints', 'POST', 10_000, { url });
    const pids = names.map((n) => nodes!.node(n).pid);
    const load = new OrderLoad(nodes, names);
    await acceptMore(load, 60, 'orders accepted before the fault');
    await postgres.kill();
    // A request in flight on a connection the killed server never closed goes unanswered for the client's 10 s
    // before the next one is refused, so the first refusal may take longer than on Redis + Postgres.
    await eventually(() => (load.statuses.get(503) ?? 0) + (load.statuses.get(0) ?? 0) > 0, {
      what: 'an order refused or unanswered while Postgres is down',
      timeoutMs: 45_000,
    });
    await sleep(OUTAGE_MS);
    await postgres.restart();
    await acceptMore(load, 60, 'orders accepted after the restart');
    await load.stop();
    await expectEveryOrderHandled(nodes, load);
    await expectEveryWebhook(nodes, receiver, load);
    // Refused orders were refused, never failed: 201, 503, or — for a request in flight on a connection the killed
    // server never closed — no answer within the client's 10 s (status 0); never a 500.
    const statuses = Object.keys(load.statusCounts).filter((status) => !['0', '201', '503'].includes(status));
    expect({ unexpected: statuses, samples: [...load.samples] }).toMatchObject({ unexpected: [] });
    expect(names.map((n) => nodes!.node(n).pid)).toEqual(pids);
    console.log(
      `postgres-only, postgres restarted: ${load.accepted.length} accepted, statuses ${JSON.stringify(load.statusCounts)}`,
    );
  }, 300_000);
});
