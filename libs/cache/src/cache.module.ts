import { type DynamicModule, Module } from '@nestjs/common';
import { ClusterConnections, ClusterMetrics } from '@shoal/cluster';
import { CLUSTER_CONFIG, type ClusterConfig } from '@shoal/cluster/internal';
import { resolveCacheConfig, type CacheConfig } from './cache-config.js';
import { CACHE_CONFIG, CACHE_ENGINE, NEST_CACHE_MANAGER } from './cache.constants.js';
import { CacheMetrics } from './cache.metrics.js';
import {
  CACHE_MODULE_OPTIONS,
  CACHE_OPTIONS_TYPE,
  CacheConfigurableModule,
} from './cache.module-definition.js';
import type { CacheModuleOptions } from './cache-options.js';
import { CacheService } from './cache.service.js';
import { CacheEngine } from './engine/cache-engine.js';
import { nestCacheManagerProvider } from './nest/nest-cache-manager.provider.js';
import { CacheInvalidationHandler } from './outbox/cache-invalidation.handler.js';

/**
 * A two-tier cache whose invalidations reach every replica: an in-process LRU (L1) in front of Redis (L2), kept
 * coherent by a bus (Redis pub/sub or Postgres NOTIFY); or `provider: 'local'`, the LRU alone. Needs
 * `ClusterModule` (connections, key prefix); single flight also needs `LeaderModule`, invalidation in a
 * transaction `EventBusModule`. Also provides `@nestjs/cache-manager`'s `CACHE_MANAGER`.
 *
 * ```ts
 * imports: [ClusterModule.forRoot({ redis: process.env.REDIS_URL }), CacheModule.forRoot({ ttl: 60_000 })]
 * ```
 */
@Module({
  providers: [
    {
      provide: CACHE_CONFIG,
      inject: [CACHE_MODULE_OPTIONS, ClusterConnections],
      useFactory: (options: CacheModuleOptions, connections: ClusterConnections) =>
        resolveCacheConfig(options, connections),
    },
    {
      provide: CacheMetrics,
      inject: [CACHE_CONFIG, ClusterMetrics],
      useFactory: (config: CacheConfig, cluster: ClusterMetrics) =>
        new CacheMetrics(config.metricsRegistry ?? cluster.registry),
    },
    {
      provide: CACHE_ENGINE,
      inject: [CACHE_CONFIG, CLUSTER_CONFIG, ClusterConnections, CacheMetrics],
      useFactory: (
        config: CacheConfig,
        cluster: ClusterConfig,
        connections: ClusterConnections,
        metrics: CacheMetrics,
      ) => new CacheEngine(config, cluster, connections, metrics),
    },
    CacheService,
    CacheInvalidationHandler,
    nestCacheManagerProvider,
  ],
  exports: [CacheService, CACHE_CONFIG, NEST_CACHE_MANAGER, CacheMetrics],
})
export class CacheModule extends CacheConfigurableModule {
  /** Every option has a default, so `CacheModule.forRoot()` is enough. */
  static override forRoot(options: typeof CACHE_OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(options);
  }
}
