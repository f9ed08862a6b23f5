import { BadRequestException, Body, Controller, Get, Post, Query } from '@nestjs/common';
import {
  InvalidWebhookSecretError,
  UnsafeWebhookTargetError,
  WebhookService,
  type WebhookAttempt,
} from '@shoal/webhooks';
import { z } from 'zod';

const createEndpoint = z.strictObject({
  url: z.url(),
  secret: z.string().optional(),
  eventTypes: z.array(z.string().min(1)).optional(),
});

/** Webhook endpoints and delivery attempts. */
@Controller('webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhookService) {}

  /**
   * `POST /webhooks/endpoints {url, secret?, eventTypes?}`: answers the endpoint with its `whsec_` secret. Private
   * and loopback targets are refused unless the app runs with `WEBHOOKS_ALLOW_PRIVATE_NETWORKS=true`.
   */
  @Post('endpoints')
  async create(
    @Body() body: unknown,
  ): Promise<{ id: string; url: string; secret: string; eventTypes: readonly string[] }> {
    const parsed = createEndpoint.safeParse(body);
    if (!parsed.success)
      throw new BadRequestException(parsed.error.issues.map((i) => `${i.path}: ${i.message}`));
    try {
      const endpoint = await this.webhooks.createEndpoint(parsed.data);
      return {
        id: endpoint.id,
        url: endpoint.url,
        secret: endpoint.secrets[0],
        eventTypes: endpoint.eventTypes,
      };
    } catch (error) {
      if (error instanceof UnsafeWebhookTargetError || error instanceof InvalidWebhookSecretError) {
        throw new BadRequestException(error.message);
      }
      throw error;
    }
  }

  @Get('endpoints')
  async list() {
    return (await this.webhooks.endpoints()).map(({ secrets: _secrets, ...endpoint }) => endpoint);
  }

  /** `GET /webhooks/deliveries?limit=N`: recorded attempts, newest first. */
  @Get('deliveries')
  deliveries(
    @Query('limit') limit = '100',
    @Query('webhookId') webhookId?: string,
  ): Promise<WebhookAttempt[]> {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new BadRequestException('limit must be 1-10000');
    return this.webhooks.attempts({ limit: n, webhookId });
  }
}
