import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually } from '@shoal/testing';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { SampleNodes } from './support/sample-nodes.js';

interface Hit {
  headers: Record<string, string>;
  body: string;
}

describe.each([
  ['BullMQ', 'redis'],
  ['pg-boss', 'postgres'],
])('signed webhooks from sample processes, jobs on %s', (_, jobsBackend) => {
  let nodes: SampleNodes;
  let receiver: Server;
  let url: string;
  const hits: Hit[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        hits.push({ headers: req.headers as Record<string, string>, body });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    nodes = await SampleNodes.start({
      names: ['alpha', 'bravo', 'strict'],
      store: 'redis',
      env: { SHOAL_JOBS_BACKEND: jobsBackend },
      envFor: (name): Record<string, string> =>
        // The strict replica is the only one with workers: it delivers to a loopback endpoint created on alpha,
        // under the policy stored with that endpoint, not its own.
        name === 'strict' ? { WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'false' } : { SHOAL_WORKERS: 'false' },
    });
  }, 60_000);

  afterAll(async () => {
    await nodes?.dispose();
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  }, 30_000);

  it('delivers one signed order.placed per endpoint, with the event id as webhook-id, from the strict replica', async () => {
    const endpoint = await nodes.request<{ id: string; secret: string }>(
      'alpha',
      '/webhooks/endpoints',
      'POST',
      10_000,
      {
        url,
      },
    );
    expect(endpoint.secret).toMatch(/^whsec_/);
    const placed = await nodes.request<{ eventId: string }>('bravo', '/orders', 'POST', 10_000, {
      userId: 'grace',
      total: 7,
    });
    const [hit] = await eventually(() => (hits.length >= 1 ? hits : undefined), {
      what: 'the delivery',
      timeoutMs: 15_000,
    });
    expect(hit.headers['webhook-id']).toBe(placed.eventId);
    const payload = new Webhook(endpoint.secret).verify(hit.body, hit.headers) as {
      type: string;
      data: { userId: string };
    };
    expect(payload).toMatchObject({ type: 'order.placed', data: { userId: 'grace' } });
    const attempts = await eventually(async () => {
      const list = await nodes.request<{ webhookId: string; outcome: string; status: number }[]>(
        'alpha',
        `/webhooks/deliveries?webhookId=${placed.eventId}`,
      );
      return list.length > 0 ? list : undefined;
    });
    expect(attempts[0]).toMatchObject({ outcome: 'success', status: 200 });
    await new Promise((r) => setTimeout(r, 1000));
    expect(hits.filter((h) => h.headers['webhook-id'] === placed.eventId)).toHaveLength(1);
  }, 60_000);

  it('refuses a loopback endpoint on a replica started without WEBHOOKS_ALLOW_PRIVATE_NETWORKS', async () => {
    await expect(nodes.request('strict', '/webhooks/endpoints', 'POST', 10_000, { url })).rejects.toThrow(
      /400/,
    );
  });
});
