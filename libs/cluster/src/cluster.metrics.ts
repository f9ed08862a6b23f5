import { Counter, Gauge, register, type Registry } from 'prom-client';
import { registeredMetric } from './metrics/metric.js';

function gauge(registry: Registry, name: string, help: string): Gauge {
  return registeredMetric(registry, name, () => new Gauge({ name, help, registers: [registry] }));
}

function counter(registry: Registry, name: string, help: string, labelNames: string[] = []): Counter {
  return registeredMetric(
    registry,
    name,
    () => new Counter({ name, help, labelNames, registers: [registry] }),
  );
}

/** Prometheus metrics of membership, registered once per registry (several nodes in one process share them). */
export class ClusterMetrics {
  readonly members: Gauge;
  readonly membershipEvents: Counter;
  readonly heartbeatFailures: Counter;
  readonly removedByThisNode: Counter;
  readonly redisDataLosses: Counter;
  readonly viewUpdates: Counter;

  constructor(readonly registry: Registry = register) {
    this.members = gauge(
      registry,
      'shoal_cluster_members',
      'Live members of the cluster as this node sees them',
    );
    this.membershipEvents = counter(
      registry,
      'shoal_cluster_membership_events_total',
      'Members seen joining or leaving',
      ['type'],
    );
    this.heartbeatFailures = counter(
      registry,
      'shoal_cluster_heartbeat_failures_total',
      'Heartbeats that failed or timed out',
    );
    this.removedByThisNode = counter(
      registry,
      'shoal_cluster_members_removed_total',
      'Dead members this node removed from the store',
    );
    this.viewUpdates = counter(
      registry,
      'shoal_cluster_view_updates_total',
      "Updates of this node's membership view, by how they came: a notice carrying the change, or a read of all members",
      ['via'],
    );
    this.redisDataLosses = counter(
      registry,
      'shoal_redis_data_loss_total',
      'Times this node found that Redis had lost its data (epoch marker missing or replaced)',
    );
  }
}
