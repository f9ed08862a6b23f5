import { type DynamicModule, Module } from '@nestjs/common';
import { ApplicationConfig, HttpAdapterHost } from '@nestjs/core';
import { ClusterConnections, ClusterMetrics, NODE_INFO, type NodeInfo } from '@shoal/cluster';
import { CLUSTER_CONFIG, ensurePostgresSchema, type ClusterConfig } from '@shoal/cluster/internal';
import { attachmentsDdl, createClusterTransport } from './adapters/create-cluster-transport.js';
import { RealtimeRuntime } from './gateway/realtime-runtime.js';
import { ShoalIoAdapter } from './gateway/shoal-io-adapter.js';
import { MemoryPresenceStore } from './presence/memory-presence.store.js';
import { PostgresPresenceStore } from './presence/postgres-presence.store.js';
import type { PresenceStore } from './presence/presence-store.js';
import { PresenceService } from './presence/presence.service.js';
import { RedisPresenceStore } from './presence/redis-presence.store.js';
import type { ClusterTransport } from './adapters/cluster-transport.js';
import { SocketQueries } from './query/socket-queries.js';
import { RealtimeBackend } from './realtime-backend.js';
import { resolveRealtimeConfig, type RealtimeConfig } from './realtime-config.js';
import type { RealtimeModuleOptions } from './realtime-options.js';
import { CLUSTER_TRANSPORT, PRESENCE_STORE, REALTIME_CONFIG } from './realtime.constants.js';
import { RealtimeLifecycle } from './realtime.lifecycle.js';
import { RealtimeMetrics } from './realtime.metrics.js';
import {
  REALTIME_MODULE_OPTIONS,
  REALTIME_OPTIONS_TYPE,
  RealtimeConfigurableModule,
} from './realtime.module-definition.js';
import { RealtimeService } from './realtime.service.js';

async function createPresenceStore(
  config: RealtimeConfig,
  cluster: ClusterConfig,
  connections: ClusterConnections,
): Promise<PresenceStore> {
  if (config.adapter === 'memory') return new MemoryPresenceStore();
  if (config.adapter === 'postgres') {
    const store = new PostgresPresenceStore(connections.postgres('RealtimeModule presence'), cluster.prefix);
    await store.init();
    return store;
  }
  return new RedisPresenceStore(connections.redis('RealtimeModule presence'), cluster.prefix);
}

/**
 * Socket.IO across every replica: each `@WebSocketGateway` gets the cluster adapter on Shoal's connections (no
 * `main.ts` change), plus handshake authentication, the user's room, presence, SSE, metrics and graceful
 * shutdown. `RealtimeService` emits from any replica; `PresenceService` tells who is online. Needs `ClusterModule`.
 *
 * ```ts
 * imports: [ClusterModule.forRoot({ redis: process.env.REDIS_URL }), RealtimeModule.forRoot({ authenticate })]
 * ```
 */
@Module({
  providers: [
    {
      provide: REALTIME_CONFIG,
      inject: [REALTIME_MODULE_OPTIONS, ClusterConnections],
      useFactory: (options: RealtimeModuleOptions, connections: ClusterConnections) =>
        resolveRealtimeConfig(options, connections),
    },
    {
      provide: CLUSTER_TRANSPORT,
      inject: [REALTIME_CONFIG, CLUSTER_CONFIG, ClusterConnections, NODE_INFO],
      useFactory: async (
        config: RealtimeConfig,
        cluster: ClusterConfig,
        connections: ClusterConnections,
        node: NodeInfo,
      ): Promise<ClusterTransport> => {
        if (config.adapter === 'postgres') {
          await ensurePostgresSchema(connections.postgres(), cluster.prefix, attachmentsDdl(cluster.prefix));
        }
        return createClusterTransport(config, cluster, connections, node);
      },
    },
    {
      provide: PRESENCE_STORE,
      inject: [REALTIME_CONFIG, CLUSTER_CONFIG, ClusterConnections],
      useFactory: createPresenceStore,
    },
    {
      provide: RealtimeMetrics,
      inject: [REALTIME_CONFIG, ClusterMetrics],
      useFactory: (config: RealtimeConfig, cluster: ClusterMetrics) =>
        new RealtimeMetrics(config.metricsRegistry ?? cluster.registry),
    },
    {
      provide: SocketQueries,
      inject: [RealtimeRuntime, CLUSTER_TRANSPORT],
      useFactory: (runtime: RealtimeRuntime, transport: ClusterTransport) =>
        new SocketQueries(
          transport.messenger,
          runtime.node.id,
          runtime.config.sockets ? (kind, filter) => runtime.sockets.answer(kind, filter) : undefined,
        ),
    },
    {
      // Installed for the whole app while the module is created, before Nest creates the gateways' servers.
      provide: ShoalIoAdapter,
      inject: [ApplicationConfig, HttpAdapterHost, RealtimeRuntime],
      useFactory: (appConfig: ApplicationConfig, host: HttpAdapterHost, runtime: RealtimeRuntime) => {
        const adapter = new ShoalIoAdapter(host, runtime);
        appConfig.setIoAdapter(adapter);
        return adapter;
      },
    },
    RealtimeRuntime,
    RealtimeBackend,
    RealtimeService,
    PresenceService,
    RealtimeLifecycle,
  ],
  exports: [RealtimeService, PresenceService, REALTIME_CONFIG],
})
export class RealtimeModule extends RealtimeConfigurableModule {
  /** Every option has a default, so `RealtimeModule.forRoot()` is enough. */
  static override forRoot(options: typeof REALTIME_OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(options);
  }
}
