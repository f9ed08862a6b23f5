import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ClusterConnections, ClusterService } from '@shoal/cluster';
import { EventBus } from '@shoal/events';
import { randomUUID } from 'node:crypto';
import { OrderPlaced } from './order-placed.event.js';
import { createOrderTables, orderTables } from './orders.schema.js';

/** An order with the node that handled its event. */
export interface OrderView {
  id: string;
  userId: string;
  total: number;
  n: number;
  createdAt: string;
  eventId: string | null;
  handledBy: string | null;
  /** The correlation id the event handler ran under: the placing request's `x-request-id` when it sent one. */
  correlationId: string | null;
}

/** Stores orders and publishes `OrderPlaced` through the outbox, in one transaction. */
@Injectable()
export class OrdersService implements OnModuleInit {
  private readonly tables: ReturnType<typeof orderTables>;

  constructor(
    private readonly cluster: ClusterService,
    private readonly connections: ClusterConnections,
    private readonly bus: EventBus,
  ) {
    this.tables = orderTables(this.cluster.prefix);
  }

  async onModuleInit(): Promise<void> {
    await createOrderTables(this.connections.postgres('the sample app'), this.cluster.prefix);
  }

  /**
   * Writes the order and its `OrderPlaced` event in one transaction. With `failAfterPublish`, the transaction
   * rolls back after the publish (to show that the event then never leaves).
   */
  async place(
    userId: string,
    total: number,
    failAfterPublish = false,
  ): Promise<{ order: OrderView; eventId: string }> {
    return this.connections.postgres().transaction(async (manager) => {
      const id = randomUUID();
      const [{ n }] = (await manager.query(
        `INSERT INTO ${this.tables.orders} (id, user_id, total, n)
         SELECT $1, $2, $3, count(*) + 1 FROM ${this.tables.orders} WHERE user_id = $2
         RETURNING n, created_at`,
        [id, userId, total],
      )) as { n: number; created_at: Date }[];
      const [envelope] = await this.bus.publish(new OrderPlaced(id, userId, total, n), {
        manager,
        aggregateId: userId,
      });
      if (failAfterPublish) throw new Error('rolled back on purpose after publishing');
      const order: OrderView = {
        id,
        userId,
        total,
        n,
        createdAt: new Date().toISOString(),
        eventId: envelope.id,
        handledBy: null,
        correlationId: envelope.correlationId,
      };
      return { order, eventId: envelope.id };
    });
  }

  async find(id: string): Promise<OrderView | undefined> {
    const rows = (await this.connections.postgres().query(
      `SELECT o.id, o.user_id, o.total::float8 AS total, o.n, o.created_at, h.event_id, h.node_id, h.correlation_id
       FROM ${this.tables.orders} o LEFT JOIN ${this.tables.handled} h ON h.order_id = o.id WHERE o.id = $1`,
      [id],
    )) as {
      id: string;
      user_id: string;
      total: number;
      n: number;
      created_at: Date;
      event_id: string | null;
      node_id: string | null;
      correlation_id: string | null;
    }[];
    const row = rows[0];
    if (!row) return undefined;
    return {
      id: row.id,
      userId: row.user_id,
      total: row.total,
      n: row.n,
      createdAt: row.created_at.toISOString(),
      eventId: row.event_id,
      handledBy: row.node_id,
      correlationId: row.correlation_id,
    };
  }

  /** Counts for checking delivery: orders, handled events (once each), deliveries (with duplicates). */
  async stats(userId?: string) {
    const where = userId ? 'WHERE user_id = $1' : '';
    const params = userId ? [userId] : [];
    const db = this.connections.postgres();
    const [orders] = (await db.query(
      `SELECT count(*)::int AS n FROM ${this.tables.orders} ${where}`,
      params,
    )) as {
      n: number;
    }[];
    const [handled] = (await db.query(
      `SELECT count(*)::int AS n FROM ${this.tables.handled} ${where}`,
      params,
    )) as { n: number }[];
    const [deliveries] = (await db.query(
      `SELECT count(*)::int AS total, count(DISTINCT event_id)::int AS distinct FROM ${this.tables.deliveries}`,
    )) as { total: number; distinct: number }[];
    return { orders: orders.n, handled: handled.n, deliveries };
  }

  /** Per user, the order numbers the ordered handler saw, in the order it saw them. */
  async sequences(): Promise<Record<string, number[]>> {
    const rows = (await this.connections
      .postgres()
      .query(`SELECT user_id, n FROM ${this.tables.sequence} ORDER BY id`)) as {
      user_id: string;
      n: number;
    }[];
    const result: Record<string, number[]> = {};
    for (const row of rows) (result[row.user_id] ??= []).push(row.n);
    return result;
  }
}
