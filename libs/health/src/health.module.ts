import { type DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ClusterMetrics } from '@shoal/cluster';
import type { Registry } from 'prom-client';
import { resolveHealthConfig, type HealthConfig } from './health-config.js';
import { HEALTH_CONFIG, METRICS_REGISTRY } from './health.constants.js';
import {
  HEALTH_MODULE_OPTIONS,
  HEALTH_OPTIONS_TYPE,
  HealthConfigurableModule,
} from './health.module-definition.js';
import type { HealthModuleOptions } from './health-options.js';
import { CacheHealthIndicator } from './indicators/cache.health.js';
import { EventLoopHealthIndicator } from './indicators/event-loop.health.js';
import { LeaderHealthIndicator } from './indicators/leader.health.js';
import { MembershipHealthIndicator } from './indicators/membership.health.js';
import { OutboxHealthIndicator } from './indicators/outbox.health.js';
import { PostgresHealthIndicator } from './indicators/postgres.health.js';
import { QueuesHealthIndicator } from './indicators/queues.health.js';
import { RedisHealthIndicator } from './indicators/redis.health.js';
import { ScrapeMetrics } from './metrics/scrape-metrics.js';
import { ShoalHealthChecks } from './shoal-health-checks.js';
import { ShutdownCoordinator } from './shutdown/shutdown-coordinator.js';

const indicators = [
  RedisHealthIndicator,
  PostgresHealthIndicator,
  MembershipHealthIndicator,
  LeaderHealthIndicator,
  QueuesHealthIndicator,
  OutboxHealthIndicator,
  CacheHealthIndicator,
  EventLoopHealthIndicator,
];

/**
 * Health for load balancers and Kubernetes, on Terminus: `GET /health/live`, `GET /health/ready`, `GET /health`
 * and `GET /metrics`; the indicators for your own `@HealthCheck()` controllers; and the graceful stop in phases
 * (`ShutdownCoordinator`). Needs `ClusterModule` and `app.enableShutdownHooks()`.
 *
 * ```ts
 * HealthModule.forRoot({ path: 'health', drainDelay: 5000 })
 * ```
 */
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  providers: [
    {
      provide: HEALTH_CONFIG,
      inject: [HEALTH_MODULE_OPTIONS],
      useFactory: (options: HealthModuleOptions) => resolveHealthConfig(options),
    },
    {
      provide: METRICS_REGISTRY,
      inject: [HEALTH_CONFIG, ClusterMetrics],
      useFactory: (config: HealthConfig, cluster: ClusterMetrics): Registry =>
        config.metricsRegistry ?? cluster.registry,
    },
    ...indicators,
    ShoalHealthChecks,
    ShutdownCoordinator,
    ScrapeMetrics,
  ],
  exports: [...indicators, ShutdownCoordinator, METRICS_REGISTRY, TerminusModule],
})
export class HealthModule extends HealthConfigurableModule {
  /** Every option has a default, so `HealthModule.forRoot()` is enough. */
  static override forRoot(options: typeof HEALTH_OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(options);
  }
}
