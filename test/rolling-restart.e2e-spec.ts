import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually } from '@shoal/testing';
import { Haproxy, requireHaproxy } from './support/haproxy.js';
import { SampleNodes } from './support/sample-nodes.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

/**
 * A zero-downtime rolling restart: 3 replicas behind HAProxy following /health/ready, a constant stream of
 * POST /orders through it, each replica restarted in turn (SIGTERM, wait for the exit, start again). Nothing may
 * fail, every accepted order's event must be handled once, and every order's webhook delivered.
 */
const names = ['alpha', 'bravo', 'charlie'];
const DRAIN_DELAY = 3000;
const CLIENTS = 4;

interface LoadResult {
  statuses: Map<number, number>;
  failures: string[];
  accepted: { orderId: string; eventId: string; userId: string }[];
  slowestMs: number;
}

/** `CLIENTS` loops posting orders through `url` until `stop()`; records every answer. */
function orderStream(url: string, stop: () => boolean): Promise<LoadResult> {
  const result: LoadResult = { statuses: new Map(), failures: [], accepted: [], slowestMs: 0 };
  const client = async (index: number) => {
    const userId = `roll-${index}`;
    for (let n = 0; !stop(); n += 1) {
      const started = performance.now();
      let status = 0;
      try {
        const response = await fetch(`${url}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ userId, total: 1 + (n % 50) }),
          signal: AbortSignal.timeout(20_000),
        });
        status = response.status;
        const text = await response.text();
        if (status === 201) {
          const body = JSON.parse(text) as { order: { id: string }; eventId: string };
          result.accepted.push({ orderId: body.order.id, eventId: body.eventId, userId });
        } else {
          result.failures.push(`${status}: ${text.slice(0, 200)}`);
        }
      } catch (error) {
        result.failures.push(`no answer: ${String((error as Error).cause ?? error)}`);
      }
      result.slowestMs = Math.max(result.slowestMs, performance.now() - started);
      result.statuses.set(status, (result.statuses.get(status) ?? 0) + 1);
    }
  };
  return Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i))).then(() => result);
}

describe('zero-downtime rolling restart behind HAProxy', () => {
  let nodes: SampleNodes | undefined;
  let haproxy: Haproxy | undefined;
  const receiver = new WebhookReceiver();
  let hooksUrl: string;
  const delivered = receiver.ids;

  beforeAll(async () => {
    requireHaproxy();
    hooksUrl = await receiver.start();
  });

  afterAll(async () => {
    await haproxy?.stop();
    await nodes?.dispose();
    await receiver.stop();
  }, 60_000);

  it('restarts every replica under load: 0 failed requests, every order handled, every webhook delivered', async () => {
    nodes = await SampleNodes.start({
      names,
      store: 'redis',
      readyTimeoutMs: 60_000,
      env: { SHOAL_DRAIN_DELAY: String(DRAIN_DELAY), SHOAL_SHUTDOWN_GRACE: '10000' },
    });
    haproxy = await Haproxy.start(nodes.ports);
    for (const name of names) await haproxy.waitUp(name);
    await nodes.request('alpha', '/webhooks/endpoints', 'POST', 10_000, { url: hooksUrl });

    let stopped = false;
    const started = Date.now();
    const load = orderStream(haproxy.url, () => stopped);
    const restarts: string[] = [];
    for (const name of names) {
      // Some load on the full cluster first, then this replica goes.
      const before = Date.now();
      await eventually(() => Date.now() - before > 1000, { timeoutMs: 5000, intervalMs: 100 });
      const sent = Date.now();
      nodes.node(name).signal('SIGTERM');
      const exit = await nodes.node(name).exited();
      const down = Date.now() - sent;
      await nodes.node(name).start();
      await haproxy.waitUp(name);
      restarts.push(
        `${name}: stopped in ${down} ms (exit ${exit.code ?? exit.signal}), back in ${Date.now() - sent} ms`,
      );
    }
    stopped = true;
    const result = await load;
    const seconds = (Date.now() - started) / 1000;
    const total = [...result.statuses.values()].reduce((a, b) => a + b, 0);

    const byUser = new Map<string, number>();
    for (const order of result.accepted) byUser.set(order.userId, (byUser.get(order.userId) ?? 0) + 1);
    const handled = await eventually(
      async () => {
        const counts = await Promise.all(
          [...byUser.keys()].map((userId) =>
            nodes!.request<{ orders: number; handled: number }>('bravo', `/orders/stats?userId=${userId}`),
          ),
        );
        return counts.every((c, i) => c.handled === c.orders && c.orders === [...byUser.values()][i])
          ? counts
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'every accepted order handled' },
    );
    await eventually(() => result.accepted.every((order) => delivered.has(order.eventId)), {
      timeoutMs: 90_000,
      intervalMs: 500,
      what: `every order's webhook delivered (${delivered.size} of ${result.accepted.length} so far)`,
    });

    const successes = await Promise.all(
      names.map((name) => nodes!.metricTotal(name, 'shoal_webhook_deliveries_total', { outcome: 'success' })),
    );
    console.log(
      `rolling restart: ${total} requests in ${seconds.toFixed(1)} s (${(total / seconds).toFixed(0)}/s), ` +
        `${result.failures.length} failed, slowest ${Math.round(result.slowestMs)} ms; ` +
        `${result.accepted.length} orders accepted, ${handled.reduce((a, c) => a + c.handled, 0)} handled, ` +
        `${delivered.size} webhooks delivered; ${restarts.join('; ')}`,
    );
    expect({ failed: result.failures.length, first: result.failures.slice(0, 5) }).toEqual({
      failed: 0,
      first: [],
    });
    expect(result.accepted.length).toBe(total);
    expect(result.accepted.length).toBeGreaterThan(50);
    // Counted since each replica's restart: some deliveries ran after the last one.
    expect(successes.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  }, 240_000);
});
