import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the receiver got, per order id: the `webhook-id`s of its deliveries. */
export type WebhookIdsByOrder = ReadonlyMap<string, ReadonlySet<string>>;

/**
 * A webhook endpoint on loopback for the sample's `order.placed` webhooks: answers 200 and records, per order id
 * (the payload's `data.orderId`), every `webhook-id` it was delivered under, and every `webhook-id` seen.
 */
export class WebhookReceiver {
  private readonly byOrder = new Map<string, Set<string>>();
  /** Every `webhook-id` received. */
  readonly ids = new Set<string>();
  private server?: Server;

  get idsByOrder(): WebhookIdsByOrder {
    return this.byOrder;
  }

  /** Starts listening; resolves with the endpoint URL to register. */
  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const id = String(req.headers['webhook-id']);
        this.ids.add(id);
        const orderId = (JSON.parse(body) as { data?: { orderId?: string } }).data?.orderId;
        if (orderId !== undefined) {
          const ids = this.byOrder.get(orderId) ?? new Set<string>();
          ids.add(id);
          this.byOrder.set(orderId, ids);
        }
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
