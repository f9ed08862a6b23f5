import { registeredMetric as metric } from '@shoal/cluster/internal';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Prometheus metrics of the event bus. */
export class EventsMetrics {
  readonly published: Counter;
  readonly handled: Counter;
  readonly latency: Histogram;
  readonly relayed: Counter;
  readonly outboxLag: Gauge;
  readonly deadLettered: Counter;
  readonly replayed: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.published = metric(
      registry,
      'shoal_events_published_total',
      () =>
        new Counter({
          name: 'shoal_events_published_total',
          help: 'Events published',
          labelNames: ['type', 'via'],
          registers,
        }),
    );
    this.handled = metric(
      registry,
      'shoal_events_handled_total',
      () =>
        new Counter({
          name: 'shoal_events_handled_total',
          help: 'Event deliveries by outcome (handled, duplicate, retried, dead_lettered)',
          labelNames: ['handler', 'outcome'],
          registers,
        }),
    );
    this.latency = metric(
      registry,
      'shoal_events_publish_to_handle_seconds',
      () =>
        new Histogram({
          name: 'shoal_events_publish_to_handle_seconds',
          help: 'Time from publish (or outbox write) to the end of a successful handler call',
          labelNames: ['handler'],
          buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
          registers,
        }),
    );
    this.relayed = metric(
      registry,
      'shoal_outbox_relayed_total',
      () =>
        new Counter({
          name: 'shoal_outbox_relayed_total',
          help: 'Outbox rows relayed by this node',
          registers,
        }),
    );
    this.outboxLag = metric(
      registry,
      'shoal_outbox_lag_seconds',
      () =>
        new Gauge({
          name: 'shoal_outbox_lag_seconds',
          help: 'Age of the oldest row in the last relayed batch',
          registers,
        }),
    );
    this.deadLettered = metric(
      registry,
      'shoal_events_dead_lettered_total',
      () =>
        new Counter({
          name: 'shoal_events_dead_lettered_total',
          help: 'Events moved to the dead-letter store',
          labelNames: ['handler'],
          registers,
        }),
    );
    this.replayed = metric(
      registry,
      'shoal_outbox_replayed_total',
      () =>
        new Counter({
          name: 'shoal_outbox_replayed_total',
          help: 'Outbox rows marked for publishing again because Redis lost its data',
          registers,
        }),
    );
  }
}
