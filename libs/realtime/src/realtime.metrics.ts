import { registeredMetric as metric } from '@shoal/cluster/internal';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Prometheus metrics of the realtime layer, registered once per registry. */
export class RealtimeMetrics {
  readonly sockets: Gauge;
  readonly connections: Counter;
  readonly refused: Counter;
  readonly emits: Counter;
  readonly fanout: Histogram;
  readonly partialQueries: Counter;
  readonly sseClients: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.sockets = metric(
      registry,
      'shoal_realtime_sockets',
      () =>
        new Gauge({
          name: 'shoal_realtime_sockets',
          help: 'Sockets connected to this replica',
          labelNames: ['namespace'],
          registers,
        }),
    );
    this.connections = metric(
      registry,
      'shoal_realtime_connections_total',
      () =>
        new Counter({
          name: 'shoal_realtime_connections_total',
          help: 'Sockets accepted by this replica',
          labelNames: ['namespace'],
          registers,
        }),
    );
    this.refused = metric(
      registry,
      'shoal_realtime_refused_total',
      () =>
        new Counter({
          name: 'shoal_realtime_refused_total',
          help: 'Handshakes refused by authenticate (or while shutting down)',
          labelNames: ['reason'],
          registers,
        }),
    );
    this.emits = metric(
      registry,
      'shoal_realtime_emits_total',
      () =>
        new Counter({
          name: 'shoal_realtime_emits_total',
          help: 'Emits made through RealtimeService, by target and by path (server adapter or emitter)',
          labelNames: ['target', 'via'],
          registers,
        }),
    );
    this.fanout = metric(
      registry,
      'shoal_realtime_fanout_seconds',
      () =>
        new Histogram({
          name: 'shoal_realtime_fanout_seconds',
          help: 'Cross-node fan-out latency: a probe emitted on one replica until another replica receives it',
          buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
          registers,
        }),
    );
    this.partialQueries = metric(
      registry,
      'shoal_realtime_partial_queries_total',
      () =>
        new Counter({
          name: 'shoal_realtime_partial_queries_total',
          help: 'Cluster-wide queries answered without every live replica (timeout)',
          registers,
        }),
    );
    this.sseClients = metric(
      registry,
      'shoal_realtime_sse_clients',
      () =>
        new Gauge({
          name: 'shoal_realtime_sse_clients',
          help: 'Server-sent event streams open on this replica',
          registers,
        }),
    );
  }
}
