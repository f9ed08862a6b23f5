import { Inject, Injectable, Optional } from '@nestjs/common';
import type { HealthIndicatorFunction } from '@nestjs/terminus';
import { ClusterConnections } from '@shoal/cluster';
import { EventBus } from '@shoal/events';
import type { HealthConfig } from './health-config.js';
import type { ShoalIndicatorKey } from './health-options.js';
import { HEALTH_CONFIG } from './health.constants.js';
import { CacheHealthIndicator } from './indicators/cache.health.js';
import { EventLoopHealthIndicator } from './indicators/event-loop.health.js';
import { LeaderHealthIndicator } from './indicators/leader.health.js';
import { MembershipHealthIndicator } from './indicators/membership.health.js';
import { OutboxHealthIndicator } from './indicators/outbox.health.js';
import { PostgresHealthIndicator } from './indicators/postgres.health.js';
import { QueuesHealthIndicator } from './indicators/queues.health.js';
import { RedisHealthIndicator } from './indicators/redis.health.js';

/**
 * The indicators that apply to this app, by key: `redis` / `postgres` when `ClusterModule` has that connection,
 * `membership` and `eventLoop` always, `leader` with `LeaderModule`, `queues` with `JobsModule`, `outbox` with
 * `EventBusModule` on Postgres, `cache` with `CacheModule`.
 */
@Injectable()
export class ShoalHealthChecks {
  private readonly all: ReadonlyMap<ShoalIndicatorKey, HealthIndicatorFunction>;

  constructor(
    @Inject(HEALTH_CONFIG) private readonly config: HealthConfig,
    connections: ClusterConnections,
    redis: RedisHealthIndicator,
    postgres: PostgresHealthIndicator,
    membership: MembershipHealthIndicator,
    leader: LeaderHealthIndicator,
    queues: QueuesHealthIndicator,
    outbox: OutboxHealthIndicator,
    cache: CacheHealthIndicator,
    eventLoop: EventLoopHealthIndicator,
    @Optional() events?: EventBus,
  ) {
    const checks: Array<[ShoalIndicatorKey, HealthIndicatorFunction | false]> = [
      ['redis', connections.hasRedis && (() => redis.isHealthy())],
      ['postgres', connections.hasPostgres && (() => postgres.isHealthy())],
      ['membership', () => membership.isHealthy()],
      ['leader', leader.available && (() => leader.isHealthy())],
      ['queues', queues.available && (() => queues.isHealthy())],
      ['outbox', events !== undefined && connections.hasPostgres && (() => outbox.isHealthy())],
      ['cache', cache.available && (() => cache.isHealthy())],
      ['eventLoop', () => eventLoop.isHealthy()],
    ];
    this.all = new Map(
      checks.filter((c): c is [ShoalIndicatorKey, HealthIndicatorFunction] => c[1] !== false),
    );
  }

  /** Every indicator that applies (what `GET /health` reports). */
  detail(): HealthIndicatorFunction[] {
    return [...this.all.values()];
  }

  /** The indicators readiness checks (option `readiness`), among those that apply. */
  readiness(): HealthIndicatorFunction[] {
    return this.config.readiness.flatMap((key) => this.all.get(key) ?? []);
  }
}
