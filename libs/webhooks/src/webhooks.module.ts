import { type DynamicModule, Module } from '@nestjs/common';
import { WEBHOOKS_CONFIG } from './webhooks.constants.js';
import { resolveWebhooksConfig } from './webhooks-config.js';
import {
  WEBHOOKS_MODULE_OPTIONS,
  WEBHOOKS_OPTIONS_TYPE,
  WebhooksConfigurableModule,
} from './webhooks.module-definition.js';
import type { WebhooksModuleOptions } from './webhooks-options.js';
import { WebhookService } from './webhook.service.js';

/**
 * Signed webhook delivery on `JobsModule` (either backend) and the ClusterModule's Postgres. Importing it is what
 * starts the `shoal-webhooks` worker: an app without `WebhooksModule` runs none.
 */
@Module({
  providers: [
    {
      provide: WEBHOOKS_CONFIG,
      inject: [WEBHOOKS_MODULE_OPTIONS],
      useFactory: (options: WebhooksModuleOptions) => resolveWebhooksConfig(options),
    },
    WebhookService,
  ],
  exports: [WEBHOOKS_CONFIG, WebhookService],
})
export class WebhooksModule extends WebhooksConfigurableModule {
  /** Every option has a default, so `WebhooksModule.forRoot()` is enough. */
  static override forRoot(options: typeof WEBHOOKS_OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(options);
  }
}
