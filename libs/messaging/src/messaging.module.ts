import { type DynamicModule, type INestApplication, type INestMicroservice, Module } from '@nestjs/common';
import type { CustomStrategy } from '@nestjs/microservices';
import { ClusterConnections, ClusterMetrics } from '@shoal/cluster';
import { MessagingBus } from './bus/messaging-bus.js';
import { ShoalClient } from './client/shoal-client.js';
import { EntityLifecycle } from './entities/entity-lifecycle.js';
import { ShardHost } from './entities/shard-host.js';
import { ShardsService } from './entities/shards.service.js';
import { resolveMessagingConfig, type MessagingConfig } from './messaging-config.js';
import { MESSAGING_CONFIG } from './messaging.constants.js';
import { MessagingMetrics } from './messaging.metrics.js';
import {
  MESSAGING_MODULE_OPTIONS,
  MESSAGING_OPTIONS_TYPE,
  MessagingConfigurableModule,
} from './messaging.module-definition.js';
import type { MessagingModuleOptions } from './messaging-options.js';
import { HandlerRegistry } from './registry/handler-registry.js';
import { ShoalTransport } from './server/shoal-transport.js';

/**
 * Messaging between replicas on `@nestjs/microservices`: `ShoalClient` (a `ClientProxy`) sends to any node, a named
 * node, the owner of a key, every node, or a sharded entity; `ShoalTransport` (a `CustomTransportStrategy`) serves
 * the app's `@MessagePattern` / `@EventPattern` handlers. Needs `ClusterModule` with Redis and `LeaderModule`
 * (shard leases).
 *
 * ```ts
 * imports: [ClusterModule.forRoot({ redis: process.env.REDIS_URL }), LeaderModule.forRoot(), MessagingModule.forRoot()]
 * // main.ts
 * MessagingModule.connect(app);
 * await app.startAllMicroservices();
 * ```
 */
@Module({
  providers: [
    {
      provide: MESSAGING_CONFIG,
      inject: [MESSAGING_MODULE_OPTIONS, ClusterConnections],
      useFactory: (options: MessagingModuleOptions, connections: ClusterConnections) =>
        resolveMessagingConfig(options, connections),
    },
    {
      provide: MessagingMetrics,
      inject: [MESSAGING_CONFIG, ClusterMetrics],
      useFactory: (config: MessagingConfig, cluster: ClusterMetrics) =>
        new MessagingMetrics(config.metricsRegistry ?? cluster.registry),
    },
    MessagingBus,
    HandlerRegistry,
    EntityLifecycle,
    ShardHost,
    ShoalClient,
    ShoalTransport,
    ShardsService,
  ],
  exports: [ShoalClient, ShoalTransport, ShardsService, EntityLifecycle, MessagingMetrics, MESSAGING_CONFIG],
})
export class MessagingModule extends MessagingConfigurableModule {
  /** Every option has a default, so `MessagingModule.forRoot()` is enough. */
  static override forRoot(options: typeof MESSAGING_OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(options);
  }

  /**
   * Connects the Shoal transport to a hybrid app (HTTP + messaging) with the app's global pipes, guards,
   * interceptors and filters. Call `app.startAllMicroservices()` afterwards (before or after `app.listen()`).
   */
  static connect(app: INestApplication): INestMicroservice {
    const strategy: CustomStrategy = { strategy: app.get(ShoalTransport) };
    return app.connectMicroservice(strategy, { inheritAppConfig: true });
  }
}
