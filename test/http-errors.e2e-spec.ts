import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SampleNodes } from './support/sample-nodes.js';

interface Stats {
  orders: number;
}

describe("Shoal's errors as HTTP answers (ShoalExceptionFilter in the sample)", () => {
  let nodes: SampleNodes;

  beforeAll(async () => {
    // No workers and a bound of 5 waiting jobs: the 6th enqueue is refused.
    nodes = await SampleNodes.start({
      names: ['alpha'],
      store: 'redis',
      env: { SHOAL_WORKERS: 'false', JOBS_MAX_WAITING: '5' },
    });
  }, 60_000);

  afterAll(async () => {
    await nodes?.dispose();
  }, 30_000);

  it('an order its event refuses answers 400 with the validation message, and nothing is written', async () => {
    const response = await fetch(`${nodes.url('alpha')}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'ada', total: -5 }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      statusCode: 400,
      message: expect.stringMatching(/^event "order\.placed" is invalid: total: /),
    });
    expect((await nodes.request<Stats>('alpha', '/orders/stats')).orders).toBe(0);
  });

  it('a job past maxWaiting answers 429 with the QueueFullError message, and is not enqueued', async () => {
    await nodes.request('alpha', '/jobs/bulk?count=5&batch=fill', 'POST');
    const response = await fetch(`${nodes.url('alpha')}/jobs/bulk?count=1&batch=over`, { method: 'POST' });
    expect(response.status).toBe(429);
    expect(await response.json()).toMatchObject({
      statusCode: 429,
      message: 'queue "sample-work" is full: 5 jobs waiting (maxWaiting 5); retry later',
    });
    const stats = await nodes.request<{ counts: Record<string, number> }>('alpha', '/jobs/stats');
    expect(stats.counts.waiting).toBe(5);
  });
});
