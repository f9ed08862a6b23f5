import type { Registry } from 'prom-client';

/** The indicators `HealthModule` knows, by the key each one reports under. */
export type ShoalIndicatorKey =
  'redis' | 'postgres' | 'membership' | 'leader' | 'queues' | 'outbox' | 'cache' | 'eventLoop';

/** Thresholds of the `queues` indicator, per queue. */
export interface QueueThresholds {
  /** Waiting (and delayed) jobs above which a queue counts as unhealthy. Default: no limit. */
  maxWaiting?: number;
  /** Dead-lettered jobs above which a queue counts as unhealthy. Default: no limit. */
  maxDeadLetters?: number;
}

/** Thresholds of the `outbox` indicator. */
export interface OutboxThresholds {
  /** Unrelayed outbox rows above which the outbox counts as unhealthy. Default: no limit. */
  maxBacklog?: number;
  /** Age (ms, Postgres clock) of the oldest unrelayed row above which it counts as unhealthy. Default 60000. */
  maxLag?: number;
}

/** Options of `HealthModule.forRoot()`. Every one has a default (see `HEALTH_DEFAULTS`). */
export interface HealthModuleOptions {
  /**
   * Milliseconds between the moment shutdown starts (readiness answers 503) and the moment this node stops taking
   * HTTP requests, so load balancers and Kubernetes endpoints stop routing to it first. Default 5000.
   */
  drainDelay?: number;
  /** Milliseconds HTTP requests in flight when intake stops get to finish. Default 10000. */
  shutdownGrace?: number;
  /** Milliseconds each indicator may take before it reports `down`. Default 1000. */
  timeout?: number;
  /** The indicators `GET <path>/ready` checks. Default `['redis', 'postgres', 'membership']` (those configured). */
  readiness?: ShoalIndicatorKey[];
  /** Report `degraded` (HTTP 200) instead of `down` when a threshold (queues, outbox, event loop) is passed. */
  degradedOnThresholds?: boolean;
  queues?: QueueThresholds;
  outbox?: OutboxThresholds;
  /** Event-loop delay (p99 over the last 10 s, ms) above which the `eventLoop` indicator fails. Default 1000. */
  eventLoop?: { maxLag?: number };
  /** The registry `GET /metrics` serves. Default: the one `ClusterModule` registers Shoal's metrics on. */
  metricsRegistry?: Registry;
}

/** The defaults of {@link HealthModuleOptions}. */
export const HEALTH_DEFAULTS = {
  path: 'health',
  metricsPath: 'metrics',
  drainDelay: 5000,
  shutdownGrace: 10_000,
  timeout: 1000,
  readiness: ['redis', 'postgres', 'membership'] as ShoalIndicatorKey[],
  degradedOnThresholds: false,
  outboxMaxLag: 60_000,
  eventLoopMaxLag: 1000,
} as const;
