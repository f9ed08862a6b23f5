import type { SampleNodes } from './sample-nodes.js';

/** An order the sample accepted (2xx). */
export interface AcceptedOrder {
  readonly orderId: string;
  readonly eventId: string;
}

/**
 * A constant stream of `POST /orders` spread over the sample's nodes by `workers` concurrent clients, recording what
 * was accepted and every answer's status (0 = no answer).
 */
export class OrderLoad {
  readonly accepted: AcceptedOrder[] = [];
  readonly statuses = new Map<number, number>();
  /** The first answer body per non-2xx status, for failure messages. */
  readonly samples = new Map<number, string>();
  private running = true;
  private readonly done: Promise<void>;

  constructor(
    private readonly nodes: SampleNodes,
    private readonly names: readonly string[],
    workers = 3,
  ) {
    this.done = Promise.all(Array.from({ length: workers }, (_, i) => this.worker(i))).then(() => undefined);
  }

  /** Statuses seen, as `{ "201": n, "503": m }`. */
  get statusCounts(): Record<string, number> {
    return Object.fromEntries([...this.statuses].map(([status, n]) => [String(status), n]));
  }

  /** Stops sending and waits for the requests in flight. */
  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }

  private async worker(index: number): Promise<void> {
    for (let n = index; this.running; n += 1) {
      const name = this.names[n % this.names.length];
      let status = 0;
      try {
        const response = await fetch(`${this.nodes.url(name)}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ userId: `load-${index}`, total: 1 + (n % 50) }),
          signal: AbortSignal.timeout(10_000),
        });
        status = response.status;
        const text = await response.text();
        if (!response.ok && !this.samples.has(status)) this.samples.set(status, text);
        const body = JSON.parse(text) as { order?: { id: string }; eventId?: string };
        if (response.ok && body.order && body.eventId)
          this.accepted.push({ orderId: body.order.id, eventId: body.eventId });
      } catch {
        // no answer: counted as status 0
      }
      this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
      if (status !== 201 && status !== 200) await new Promise((r) => setTimeout(r, 50));
    }
  }
}
