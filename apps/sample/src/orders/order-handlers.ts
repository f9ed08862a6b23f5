import { Injectable } from '@nestjs/common';
import { ClusterConnections, ClusterService, RequestContext } from '@shoal/cluster';
import { OnEvent, type EventContext, type TransactionalEventContext } from '@shoal/events';
import { OrderPlaced } from './order-placed.event.js';
import { orderTables } from './orders.schema.js';

/** What the sample does when an order is placed, on whichever node gets the event. */
@Injectable()
export class OrderHandlers {
  private readonly tables: ReturnType<typeof orderTables>;
  private broadcastSeen = 0;

  constructor(
    private readonly connections: ClusterConnections,
    private readonly cluster: ClusterService,
  ) {
    this.tables = orderTables(cluster.prefix);
  }

  /** Once per event across the cluster, exactly once in effect: the row is written with the inbox row. */
  @OnEvent(OrderPlaced, { idempotent: 'postgres' })
  async recordHandled(event: OrderPlaced, { envelope, manager }: TransactionalEventContext): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.tables.handled} (event_id, order_id, user_id, node_id, correlation_id)
       VALUES ($1, $2, $3, $4, $5)`,
      [
        envelope.id,
        event.orderId,
        event.userId,
        this.cluster.self.id,
        RequestContext.correlationId() ?? null,
      ],
    );
  }

  /** Once per event across the cluster, at least once: duplicates after a crash show up here. */
  @OnEvent(OrderPlaced)
  async logDelivery(_event: OrderPlaced, { envelope }: EventContext): Promise<void> {
    await this.connections
      .postgres()
      .query(`INSERT INTO ${this.tables.deliveries} (event_id, node_id) VALUES ($1, $2)`, [
        envelope.id,
        this.cluster.self.id,
      ]);
  }

  /** Ordered: one node at a time, in publish order per user; duplicates skipped by the inbox. */
  @OnEvent(OrderPlaced, { concurrency: 1, idempotent: 'postgres' })
  async checkSequence(event: OrderPlaced, { manager }: TransactionalEventContext): Promise<void> {
    await manager.query(`INSERT INTO ${this.tables.sequence} (user_id, n) VALUES ($1, $2)`, [
      event.userId,
      event.n,
    ]);
  }

  /** On every node (cache invalidation, socket push...). */
  @OnEvent(OrderPlaced, { scope: 'broadcast' })
  countEverywhere(): void {
    this.broadcastSeen += 1;
  }

  get seenByBroadcast(): number {
    return this.broadcastSeen;
  }
}
