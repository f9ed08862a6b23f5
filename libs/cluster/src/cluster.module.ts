import {
  type DynamicModule,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  RequestMethod,
} from '@nestjs/common';
import { createRequire } from 'node:module';
import { APP_INTERCEPTOR, DiscoveryModule } from '@nestjs/core';
import { CLUSTER_CONFIG, MEMBERSHIP_STORE, NODE_INFO } from './cluster.constants.js';
import { ClusterExplorer } from './cluster.explorer.js';
import { ClusterMetrics } from './cluster.metrics.js';
import {
  CLUSTER_MODULE_OPTIONS,
  CLUSTER_OPTIONS_TYPE,
  ClusterConfigurableModule,
} from './cluster.module-definition.js';
import { ClusterService } from './cluster.service.js';
import { resolveClusterConfig, type ClusterConfig } from './cluster-config.js';
import type { ClusterModuleOptions } from './cluster-options.js';
import { ClusterConnections } from './connections/cluster-connections.js';
import { createClusterConnections } from './connections/create-connections.js';
import { DecoratedMethodExplorer } from './discovery/decorated-methods.js';
import { RequestContextMiddleware } from './context/request-context.middleware.js';
import { provideContextSources } from './context/request-context.js';
import { createMembershipStore } from './membership/create-membership-store.js';
import { createNodeInfo, type NodeInfo } from './node-identity.js';
import { NodeHeaderInterceptor } from './node-header.interceptor.js';

/**
 * Makes this app a node of a Shoal cluster: opens (or adopts) the Redis / Postgres connections every Shoal module
 * shares, registers the node in membership, heartbeats, removes dead members, and exposes `ClusterService`.
 *
 * ```ts
 * ClusterModule.forRoot({ redis: process.env.REDIS_URL, postgres: process.env.DATABASE_URL })
 * ```
 * Options are validated at start-up; a bad one stops the app with an error naming it. Global by default.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: CLUSTER_CONFIG,
      inject: [CLUSTER_MODULE_OPTIONS],
      useFactory: (options: ClusterModuleOptions) => resolveClusterConfig(options),
    },
    {
      provide: NODE_INFO,
      inject: [CLUSTER_CONFIG],
      useFactory: (config: ClusterConfig) => {
        const node = createNodeInfo(config);
        provideContextSources({ nodeId: () => node.id });
        return node;
      },
    },
    {
      provide: ClusterConnections,
      inject: [CLUSTER_CONFIG, NODE_INFO],
      useFactory: (config: ClusterConfig, node: NodeInfo) =>
        createClusterConnections({
          redis: config.redis,
          postgres: config.postgres,
          nodeId: node.id,
          startupTimeout: config.startupTimeout,
        }),
    },
    {
      provide: MEMBERSHIP_STORE,
      inject: [CLUSTER_CONFIG, ClusterConnections],
      useFactory: createMembershipStore,
    },
    {
      provide: ClusterMetrics,
      inject: [CLUSTER_CONFIG],
      useFactory: (config: ClusterConfig) => new ClusterMetrics(config.metricsRegistry),
    },
    { provide: APP_INTERCEPTOR, useClass: NodeHeaderInterceptor },
    DecoratedMethodExplorer,
    ClusterService,
    ClusterExplorer,
  ],
  exports: [
    CLUSTER_CONFIG,
    NODE_INFO,
    ClusterConnections,
    ClusterService,
    ClusterMetrics,
    DecoratedMethodExplorer,
    DiscoveryModule,
  ],
})
export class ClusterModule extends ClusterConfigurableModule implements NestModule {
  /** Every HTTP request runs in a `RequestContext` (correlation id from `x-request-id` / `traceparent`). */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestContextMiddleware).forRoutes({ path: '*', method: RequestMethod.ALL });
  }

  /**
   * With `postgres` given as a URL, Shoal opens the `DataSource` and also provides it under TypeORM's `DataSource`
   * class, so your services inject it as usual (`constructor(private readonly dataSource: DataSource)`). With
   * `@nestjs/typeorm`, pass its `DataSource` instead (`forRootAsync({ inject: [DataSource], ... })`): one pool.
   */
  static override forRoot(options: typeof CLUSTER_OPTIONS_TYPE): DynamicModule {
    const module = super.forRoot(options);
    if (typeof options?.postgres !== 'string') return module;
    // Loaded only here: an app without Postgres never loads typeorm.
    const { DataSource } = createRequire(import.meta.url)('typeorm') as typeof import('typeorm');
    return {
      ...module,
      providers: [
        ...(module.providers ?? []),
        {
          provide: DataSource,
          inject: [ClusterConnections],
          useFactory: (c: ClusterConnections) => c.postgres(),
        },
      ],
      exports: [...(module.exports ?? []), DataSource],
    };
  }
}
