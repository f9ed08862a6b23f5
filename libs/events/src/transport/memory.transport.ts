import { withTimeout } from '@shoal/cluster/internal';
import type { EventEnvelope } from '../envelope/event-envelope.js';
import type { EventTransport, TransportSubscription } from './event-transport.js';
import { MemoryEventHub } from './memory-event.hub.js';

/**
 * Events in this process's memory: for tests and single-process apps. Every transport on the same `MemoryEventHub`
 * is a node of one cluster: a `group` subscription receives each envelope on exactly one node (round-robin among
 * the nodes with a free slot), a `broadcast` one on every node. Deliveries start asynchronously, at most
 * `concurrency` at a time per subscription and node, in publish order when `concurrency` is 1; a rejected delivery
 * is made again after the hub's redelivery delay (at-least-once). Nothing survives the process.
 */
export class MemoryEventTransport implements EventTransport {
  readonly supportsGroups = true;
  private readonly detachers: (() => void)[] = [];
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly hub: MemoryEventHub = MemoryEventHub.shared) {}

  async publish(envelopes: readonly EventEnvelope[]): Promise<void> {
    this.hub.publish(envelopes);
  }

  async subscribe(subscription: TransportSubscription): Promise<void> {
    if (this.stopped)
      throw new Error(`MemoryEventTransport is stopped: cannot subscribe ${subscription.name}`);
    this.detachers.push(
      this.hub.attach({ subscription, run: (envelope) => this.run(subscription, envelope) }),
    );
  }

  /**
   * Takes no new deliveries: envelopes not yet handed to this node stay on the hub for the other (or later)
   * consumers of their group; broadcast ones still queued for this node are dropped. Waits up to `graceMs` for the
   * running deliveries (one that rejects afterwards goes back to its group).
   */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    for (const detach of this.detachers.splice(0)) detach();
    if (this.running.size === 0) return;
    await withTimeout(Promise.allSettled([...this.running]), Math.max(0, graceMs), 'event deliveries').catch(
      () => undefined,
    );
  }

  async close(): Promise<void> {
    if (!this.stopped) await this.stop(0);
  }

  private run(subscription: TransportSubscription, envelope: EventEnvelope): Promise<void> {
    const delivery = (async () => subscription.deliver(envelope))();
    const tracked = delivery.then(
      () => undefined,
      () => undefined,
    );
    this.running.add(tracked);
    void tracked.then(() => this.running.delete(tracked));
    return delivery;
  }
}
