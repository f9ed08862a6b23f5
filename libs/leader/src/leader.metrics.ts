import { registeredMetric as metric } from '@shoal/cluster/internal';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Prometheus metrics of leases, singletons and locks. */
export class LeaderMetrics {
  readonly isLeader: Gauge;
  readonly transitions: Counter;
  readonly singletonCalls: Counter;
  readonly watchdogAlerts: Counter;
  readonly lockAcquireSeconds: Histogram;
  readonly lockOutcomes: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.isLeader = metric(
      registry,
      'shoal_leader_is_holder',
      () =>
        new Gauge({
          name: 'shoal_leader_is_holder',
          help: '1 while this node holds the lease',
          labelNames: ['lease'],
          registers,
        }),
    );
    this.transitions = metric(
      registry,
      'shoal_leader_transitions_total',
      () =>
        new Counter({
          name: 'shoal_leader_transitions_total',
          help: 'Leases acquired and lost by this node',
          labelNames: ['lease', 'type', 'reason'],
          registers,
        }),
    );
    this.singletonCalls = metric(
      registry,
      'shoal_singleton_calls_total',
      () =>
        new Counter({
          name: 'shoal_singleton_calls_total',
          help: 'Singleton calls run here, skipped (not the holder) or failed',
          labelNames: ['method', 'outcome'],
          registers,
        }),
    );
    this.watchdogAlerts = metric(
      registry,
      'shoal_leader_watchdog_alerts_total',
      () =>
        new Counter({
          name: 'shoal_leader_watchdog_alerts_total',
          help: 'Times no node held a lease for longer than its TTL, or two nodes held one',
          labelNames: ['lease', 'kind'],
          registers,
        }),
    );
    this.lockAcquireSeconds = metric(
      registry,
      'shoal_lock_acquire_seconds',
      () =>
        new Histogram({
          name: 'shoal_lock_acquire_seconds',
          help: 'Time to acquire a distributed lock, waiting included',
          buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
          registers,
        }),
    );
    this.lockOutcomes = metric(
      registry,
      'shoal_lock_outcomes_total',
      () =>
        new Counter({
          name: 'shoal_lock_outcomes_total',
          help: 'Lock attempts by outcome',
          labelNames: ['outcome'],
          registers,
        }),
    );
  }
}
