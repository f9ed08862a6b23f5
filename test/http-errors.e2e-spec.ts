import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SampleNodes } from './support/sample-nodes.js';

interface Stats {
  orders: number;
}

describe("Shoal's errors as HTTP answers (ShoalExceptionFilter in the sample)", () => {
  let nodes: SampleNodes;

  beforeAll(async () => {
    nodes = await SampleNodes.start({ names: ['alpha'], store: 'redis' });
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
});
