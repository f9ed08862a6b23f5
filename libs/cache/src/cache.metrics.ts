import { registeredMetric as metric } from '@shoal/cluster/internal';
import { Counter, type LabelValues, type Registry } from 'prom-client';

/**
 * A count kept on a hot path (a cache hit): a plain number, added to its Prometheus counter when the counter is
 * collected (scraped or read), instead of a label lookup and hashing per increment.
 */
export class HotCounter {
  count = 0;

  inc(): void {
    this.count++;
  }
}

/** Hot counts not yet added to each counter, with their labels. */
const pendingCounts = new WeakMap<Counter, { labels: LabelValues<string>; hot: HotCounter }[]>();

function addPendingCounts(counter: Counter): void {
  for (const { labels, hot } of pendingCounts.get(counter) ?? []) {
    if (hot.count === 0) continue;
    counter.inc(labels, hot.count);
    hot.count = 0;
  }
}

function counter(registry: Registry, name: string, help: string, labelNames: string[]): Counter {
  return metric(
    registry,
    name,
    () =>
      new Counter({
        name,
        help,
        labelNames,
        registers: [registry],
        collect(this: Counter) {
          addPendingCounts(this);
        },
      }),
  );
}

/** Prometheus metrics of the cache, registered once per registry (several nodes in one process share them). */
export class CacheMetrics {
  /** `{cache, tier: l1|l2}` */
  readonly hits: Counter;
  /** `{cache}`: lookups that found nothing fresh (a `getOrSet` miss then calls the factory). */
  readonly misses: Counter;
  /** `{cache, outcome: ok|error}` */
  readonly factoryCalls: Counter;
  /** `{cache, outcome: loaded|waited|took_over|gave_up}`: cluster-wide single flight. */
  readonly singleFlight: Counter;
  /** `{cache, via: bus|outbox}` */
  readonly invalidationsSent: Counter;
  /** `{cache, via: bus|outbox}` */
  readonly invalidationsReceived: Counter;
  /** `{cache, bus}`: the bus connection came back; L1 was cleared. */
  readonly busReconnects: Counter;

  constructor(registry: Registry) {
    this.hits = counter(registry, 'shoal_cache_hits_total', 'Cache hits by tier', ['cache', 'tier']);
    this.misses = counter(registry, 'shoal_cache_misses_total', 'Cache lookups that found no fresh value', [
      'cache',
    ]);
    this.factoryCalls = counter(
      registry,
      'shoal_cache_factory_calls_total',
      'Factory (origin) calls of getOrSet on this node',
      ['cache', 'outcome'],
    );
    this.singleFlight = counter(
      registry,
      'shoal_cache_single_flight_total',
      'Cluster-wide single flight: loaded here, waited for another node, took over from a dead loader, gave up waiting',
      ['cache', 'outcome'],
    );
    this.invalidationsSent = counter(
      registry,
      'shoal_cache_invalidations_sent_total',
      'Invalidations this node sent to the others',
      ['cache', 'via'],
    );
    this.invalidationsReceived = counter(
      registry,
      'shoal_cache_invalidations_received_total',
      'Invalidations this node received from the others',
      ['cache', 'via'],
    );
    this.busReconnects = counter(
      registry,
      'shoal_cache_bus_reconnects_total',
      'Times the invalidation bus reconnected (each clears this node\u2019s L1)',
      ['cache', 'bus'],
    );
  }

  /** A hot-path count of `counter` (one of the above) with these labels. */
  hot(counter: Counter, labels: LabelValues<string>): HotCounter {
    const hot = new HotCounter();
    let pending = pendingCounts.get(counter);
    if (!pending) pendingCounts.set(counter, (pending = []));
    pending.push({ labels, hot });
    return hot;
  }
}
