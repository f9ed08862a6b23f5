export { HealthModule } from './health.module.js';
export type { HealthModuleAsyncOptions, HealthModuleExtras } from './health.module-definition.js';
export {
  HEALTH_DEFAULTS,
  type HealthModuleOptions,
  type OutboxThresholds,
  type QueueThresholds,
  type ShoalIndicatorKey,
} from './health-options.js';
export { METRICS_REGISTRY } from './health.constants.js';
export { RedisHealthIndicator } from './indicators/redis.health.js';
export { PostgresHealthIndicator } from './indicators/postgres.health.js';
export { MembershipHealthIndicator } from './indicators/membership.health.js';
export { LeaderHealthIndicator } from './indicators/leader.health.js';
export { QueuesHealthIndicator } from './indicators/queues.health.js';
export { OutboxHealthIndicator } from './indicators/outbox.health.js';
export { CacheHealthIndicator } from './indicators/cache.health.js';
export { EventLoopHealthIndicator } from './indicators/event-loop.health.js';
export { ShutdownCoordinator, type ShutdownPhase } from './shutdown/shutdown-coordinator.js';
export { InvalidHealthOptionsError } from './errors/invalid-health-options.error.js';
