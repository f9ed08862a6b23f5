import { type DynamicModule, Module } from '@nestjs/common';
import { ClusterConnections, ClusterMetrics, NODE_INFO } from '@shoal/cluster';
import { CLUSTER_CONFIG, type ClusterConfig } from '@shoal/cluster/internal';
import { LeaderService } from '@shoal/leader';
import { DeadLetters } from './dead-letters/dead-letters.service.js';
import { MemoryDeadLetterStore } from './dead-letters/memory-dead-letter.store.js';
import { RedisDeadLetterStore } from './dead-letters/redis-dead-letter.store.js';
import { EventBus } from './event-bus.js';
import { resolveEventsConfig, type EventsConfig } from './events-config.js';
import { DEAD_LETTER_STORE, EVENT_TRANSPORT, EVENTS_CONFIG } from './events.constants.js';
import { EventsExplorer } from './events.explorer.js';
import { EventsMetrics } from './events.metrics.js';
import {
  EVENTS_MODULE_OPTIONS,
  EVENTS_OPTIONS_TYPE,
  EventsConfigurableModule,
} from './events.module-definition.js';
import type { EventBusModuleOptions } from './events-options.js';
import { OUTBOX_WRITER } from './outbox/outbox.tokens.js';
import { OutboxWriter } from './outbox/outbox.writer.js';
import { createEventTransport, transportKind } from './transport/create-transport.js';

/**
 * Reliable events between the nodes: `EventBus.publish`, `@OnEvent` handlers, a transactional outbox with its
 * relay, dead letters. Needs `ClusterModule`; ordered handlers also need `LeaderModule`.
 */
@Module({
  providers: [
    {
      provide: EVENTS_CONFIG,
      inject: [EVENTS_MODULE_OPTIONS],
      useFactory: (options: EventBusModuleOptions) => resolveEventsConfig(options),
    },
    {
      provide: EVENT_TRANSPORT,
      inject: [
        EVENTS_CONFIG,
        CLUSTER_CONFIG,
        ClusterConnections,
        NODE_INFO,
        { token: LeaderService, optional: true },
      ],
      useFactory: createEventTransport,
    },
    {
      provide: DEAD_LETTER_STORE,
      inject: [EVENTS_CONFIG, CLUSTER_CONFIG, ClusterConnections],
      useFactory: (config: EventsConfig, cluster: ClusterConfig, connections: ClusterConnections) =>
        transportKind(config, connections) === 'redis'
          ? new RedisDeadLetterStore(connections.redis(), cluster.prefix)
          : new MemoryDeadLetterStore(),
    },
    {
      provide: OUTBOX_WRITER,
      inject: [CLUSTER_CONFIG, ClusterConnections],
      useFactory: (cluster: ClusterConfig, connections: ClusterConnections) =>
        connections.hasPostgres ? new OutboxWriter(cluster.prefix) : undefined,
    },
    {
      provide: EventsMetrics,
      inject: [EVENTS_CONFIG, ClusterMetrics],
      useFactory: (config: EventsConfig, cluster: ClusterMetrics) =>
        new EventsMetrics(config.metricsRegistry ?? cluster.registry),
    },
    EventBus,
    DeadLetters,
    EventsExplorer,
  ],
  exports: [EventBus, DeadLetters, EVENTS_CONFIG],
})
export class EventBusModule extends EventsConfigurableModule {
  /** Every option has a default, so `EventBusModule.forRoot()` is enough. */
  static override forRoot(options: typeof EVENTS_OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(options);
  }
}
