import { Injectable } from '@nestjs/common';
import { OnEvent, type EventContext } from '@shoal/events';
import { WebhookService } from '@shoal/webhooks';
import { OrderPlaced } from '../orders/order-placed.event.js';

/** One signed `order.placed` delivery per endpoint; the event id is the `webhook-id`, so redeliveries dedupe. */
@Injectable()
export class OrderWebhooks {
  constructor(private readonly webhooks: WebhookService) {}

  @OnEvent(OrderPlaced)
  async send(event: OrderPlaced, { envelope }: EventContext): Promise<void> {
    await this.webhooks.send('order.placed', { ...event }, { webhookId: envelope.id });
  }
}
