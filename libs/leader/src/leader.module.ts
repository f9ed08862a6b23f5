import { type DynamicModule, Module } from '@nestjs/common';
import { ClusterConnections, ClusterMetrics } from '@shoal/cluster';
import { CLUSTER_CONFIG } from '@shoal/cluster/internal';
import { FencingService } from './fencing/fencing.service.js';
import { resolveLeaderConfig, type LeaderConfig } from './leader-config.js';
import { LEADER_CONFIG, LEASE_STORE } from './leader.constants.js';
import { LeaderExplorer } from './leader.explorer.js';
import { LeaderMetrics } from './leader.metrics.js';
import {
  LEADER_MODULE_OPTIONS,
  LEADER_OPTIONS_TYPE,
  LeaderConfigurableModule,
} from './leader.module-definition.js';
import type { LeaderModuleOptions } from './leader-options.js';
import { LeaderService } from './leader.service.js';
import { LeaseReleases } from './leases/lease-releases.js';
import { createLeaseStore } from './leases/create-lease-store.js';
import { LockService } from './locks/lock.service.js';
import { SingletonContext } from './singleton/singleton-context.js';
import { LeaderWatchdog } from './watchdog/leader-watchdog.js';

/**
 * Leader election with fencing tokens, `@Singleton()` methods and distributed locks. Needs `ClusterModule`
 * (it reuses its connections and node id).
 *
 * ```ts
 * imports: [ClusterModule.forRoot({ redis: process.env.REDIS_URL }), LeaderModule.forRoot()]
 * ```
 */
@Module({
  providers: [
    {
      provide: LEADER_CONFIG,
      inject: [LEADER_MODULE_OPTIONS],
      useFactory: (options: LeaderModuleOptions) => resolveLeaderConfig(options),
    },
    {
      provide: LEASE_STORE,
      inject: [LEADER_CONFIG, CLUSTER_CONFIG, ClusterConnections],
      useFactory: createLeaseStore,
    },
    {
      provide: LeaderMetrics,
      inject: [LEADER_CONFIG, ClusterMetrics],
      useFactory: (config: LeaderConfig, cluster: ClusterMetrics) =>
        new LeaderMetrics(config.metricsRegistry ?? cluster.registry),
    },
    LeaseReleases,
    LeaderService,
    LockService,
    FencingService,
    SingletonContext,
    LeaderExplorer,
    LeaderWatchdog,
  ],
  exports: [
    LeaderService,
    LockService,
    FencingService,
    SingletonContext,
    LEADER_CONFIG,
    LEASE_STORE,
    LeaseReleases,
  ],
})
export class LeaderModule extends LeaderConfigurableModule {
  /** Every option has a default, so `LeaderModule.forRoot()` is enough. */
  static override forRoot(options: typeof LEADER_OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(options);
  }
}
