import { registeredMetric as metric } from '@shoal/cluster/internal';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

type Spec = { name: string; help: string; labelNames?: string[] };

const counter = (registry: Registry, spec: Spec) =>
  metric(
    registry,
    spec.name,
    () => new Counter({ ...spec, labelNames: spec.labelNames ?? [], registers: [registry] }),
  );
const gauge = (registry: Registry, spec: Spec) =>
  metric(
    registry,
    spec.name,
    () => new Gauge({ ...spec, labelNames: spec.labelNames ?? [], registers: [registry] }),
  );

/** Prometheus metrics of messaging, registered once per registry (several nodes in one process share them). */
export class MessagingMetrics {
  /** `{route: any|node|owner|all|entity, kind: request|event}`: messages this node sent. */
  readonly routed: Counter;
  /** `{outcome: ok|error|timeout|unavailable|busy|no-handler}`: request round trips seen by the caller, in seconds. */
  readonly rtt: Histogram;
  /** `{kind: request|event|entity, outcome: ok|error|busy}`: messages this node handled or refused. */
  readonly handled: Counter;
  /** `{change: acquired|released|lost}`: shards this node took, handed back, or lost. */
  readonly shardMoves: Counter;
  /** `{shard}`: messages read from an owned shard's stream and not yet acknowledged. */
  readonly shardBacklog: Gauge;
  /** Shards this node owns now. */
  readonly ownedShards: Gauge;

  /** Label children of the per-message metrics, so a message does not hash its labels again. */
  private readonly counters = new Map<string, Counter.Internal>();
  private readonly rtts = new Map<string, Histogram.Internal<string>>();

  /** `routed{route, kind}` + 1 (hot path). */
  countRouted(route: string, kind: string): void {
    const key = `r|${route}|${kind}`;
    let child = this.counters.get(key);
    if (!child) this.counters.set(key, (child = this.routed.labels(route, kind)));
    child.inc();
  }

  /** `handled{kind, outcome}` + 1 (hot path). */
  countHandled(kind: string, outcome: string): void {
    const key = `h|${kind}|${outcome}`;
    let child = this.counters.get(key);
    if (!child) this.counters.set(key, (child = this.handled.labels(kind, outcome)));
    child.inc();
  }

  /** Observes one round trip of `seconds` under `outcome` (hot path). */
  observeRtt(outcome: string, seconds: number): void {
    let child = this.rtts.get(outcome);
    if (!child) this.rtts.set(outcome, (child = this.rtt.labels(outcome)));
    child.observe(seconds);
  }

  constructor(registry: Registry) {
    this.routed = counter(registry, {
      name: 'shoal_messaging_routed_total',
      help: 'Messages this node sent, by route',
      labelNames: ['route', 'kind'],
    });
    this.rtt = metric(
      registry,
      'shoal_messaging_rtt_seconds',
      () =>
        new Histogram({
          name: 'shoal_messaging_rtt_seconds',
          help: 'Request round-trip time seen by the caller',
          labelNames: ['outcome'],
          buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
          registers: [registry],
        }),
    );
    this.handled = counter(registry, {
      name: 'shoal_messaging_handled_total',
      help: 'Messages this node handled or refused',
      labelNames: ['kind', 'outcome'],
    });
    this.shardMoves = counter(registry, {
      name: 'shoal_messaging_shard_moves_total',
      help: 'Shards this node acquired, released or lost',
      labelNames: ['change'],
    });
    this.shardBacklog = gauge(registry, {
      name: 'shoal_messaging_shard_backlog',
      help: 'Messages read from an owned shard and not yet acknowledged',
      labelNames: ['shard'],
    });
    this.ownedShards = gauge(registry, {
      name: 'shoal_messaging_owned_shards',
      help: 'Shards this node owns',
    });
  }
}
