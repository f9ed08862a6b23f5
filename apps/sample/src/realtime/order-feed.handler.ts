import { Injectable } from '@nestjs/common';
import { OnEvent } from '@shoal/events';
import { RealtimeService } from '@shoal/realtime';
import { OrderPlaced } from '../orders/order-placed.event.js';

/**
 * Every placed order, live: the broadcast handler runs on every replica and each one emits to its own sockets in
 * room `orders` only, so every socket gets the event exactly once, whichever replica it is connected to.
 */
@Injectable()
export class OrderFeed {
  constructor(private readonly realtime: RealtimeService) {}

  @OnEvent(OrderPlaced, { scope: 'broadcast', group: 'OrderFeed.toSockets' })
  toSockets(event: OrderPlaced): void {
    this.realtime.local
      .to('orders')
      .emit('order.placed', { id: event.orderId, userId: event.userId, total: event.total });
  }
}
