import { Inject, Injectable, Optional, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ClusterConnections, ClusterService } from '@shoal/cluster';
import type { Observable, Subscription } from 'rxjs';
import type { BusPayload } from './bus/bus-message.codec.js';
import { EventBus } from '@shoal/events';
import { LockService } from '@shoal/leader';
import type { CacheConfig } from './cache-config.js';
import { CACHE_CONFIG, CACHE_ENGINE } from './cache.constants.js';
import { CacheMetrics } from './cache.metrics.js';
import { CacheNamespace, type CacheParts } from './cache-namespace.js';
import type { CacheStatus } from './cache-types.js';
import type { CacheEngine, EngineView } from './engine/cache-engine.js';
import { NAMESPACE_PATTERN } from './engine/cache-keys.js';
import { InvalidCacheKeyError } from './errors/invalid-cache-key.error.js';
import { InvalidCacheOptionsError } from './errors/invalid-cache-options.error.js';
import { CacheOutbox, type Invalidation } from './outbox/cache-outbox.js';
import { ClusterSingleFlight } from './single-flight/cluster-single-flight.js';

function singleFlightOf(
  config: CacheConfig,
  engine: CacheEngine,
  metrics: CacheMetrics,
  locks: LockService | undefined,
): ClusterSingleFlight | undefined {
  if (!config.singleFlight) return undefined;
  if (!locks) {
    throw new InvalidCacheOptionsError([
      '`singleFlight` takes its locks from LockService: import LeaderModule.forRoot() too',
    ]);
  }
  return new ClusterSingleFlight(
    locks,
    config.singleFlight,
    engine.fences,
    metrics,
    config.namespace,
    engine.bus,
  );
}

/**
 * The cache: `getOrSet`, `get`, `set`, `delete`, `deleteByTag`, `clear`, and typed `namespace()` views.
 *
 * ```ts
 * const flag = await cache.getOrSet(`flag:${name}`, () => flags.load(name), { ttl: 60_000, tags: ['flags'] });
 * await cache.delete(`flag:${name}`, { manager }); // in the transaction that changed it
 * ```
 */
@Injectable()
export class CacheService extends CacheNamespace implements OnModuleInit, OnApplicationShutdown {
  private readonly namespaces = new Map<string, CacheNamespace<unknown>>();
  private dataLoss?: Subscription;

  /**
   * What other replicas told this one over the bus (`set`, `delete`, `expire`, `clear`, with the keys and the
   * namespace prefix), after it was applied to this replica's L1. For monitoring and for pushing changes on.
   */
  readonly invalidations$: Observable<BusPayload>;

  constructor(
    @Inject(CACHE_CONFIG) config: CacheConfig,
    @Inject(CACHE_ENGINE) private readonly engine: CacheEngine,
    metrics: CacheMetrics,
    connections: ClusterConnections,
    @Optional() @Inject(LockService) locks: LockService | undefined,
    @Optional() @Inject(EventBus) events: EventBus | undefined,
    private readonly cluster: ClusterService,
  ) {
    const apply = (invalidation: Invalidation) => this.applyNow(invalidation);
    super(
      {
        config,
        metrics,
        fences: engine.fences,
        singleFlight: singleFlightOf(config, engine, metrics, locks),
        outbox: new CacheOutbox(config.namespace, events, connections, apply),
      },
      engine.view(),
      undefined,
    );
    this.invalidations$ = engine.received.asObservable();
  }

  /** Starts listening on the bus before the app serves anything. */
  async onModuleInit(): Promise<void> {
    await this.engine.ready();
    // Redis lost its data (restarted empty, flushed, failed over to an empty replica): L2 is gone and any
    // invalidation sent meanwhile may be too, so nothing in L1 can be trusted.
    if (this.parts.config.provider === 'redis' || this.parts.config.bus === 'redis') {
      this.dataLoss = this.cluster.redisDataLoss$.subscribe(() => this.engine.clearL1());
    }
  }

  /**
   * A view whose keys, tags and `clear()` are its own (`<prefix>:cache:<cache>:<name>:<key>`), typed by `V`.
   * @throws InvalidCacheKeyError for a name that is not 1-64 letters, digits, `_` or `-`.
   */
  namespace<V = unknown>(name: string): CacheNamespace<V> {
    if (!NAMESPACE_PATTERN.test(name)) {
      throw new InvalidCacheKeyError(
        'cache namespace',
        `must be 1-64 letters, digits, _ or -, got "${name}"`,
      );
    }
    let view = this.namespaces.get(name);
    if (!view) {
      view = new NamespaceView(this.parts, this.engine.view(name), name);
      this.namespaces.set(name, view);
    }
    return view as CacheNamespace<V>;
  }

  /** This node's provider, bus and whether it listens right now, and its L1 size. Reads local state only. */
  status(): CacheStatus {
    const { provider, bus } = this.parts.config;
    return {
      provider,
      bus,
      busListening: this.engine.bus?.listening ?? true,
      l1Entries: this.engine.lru.size,
    };
  }

  /** Empties one namespace, or the whole cache (every namespace), on every replica and in L2. */
  async clear(namespace?: string): Promise<void> {
    if (namespace !== undefined) this.namespace(namespace);
    await this.engine.view(namespace).bento.clear({ suppressL2Errors: false });
  }

  async onApplicationShutdown(): Promise<void> {
    this.dataLoss?.unsubscribe();
    await this.engine.close();
  }

  private async applyNow(invalidation: Invalidation): Promise<void> {
    const view = invalidation.namespace === undefined ? this : this.namespace(invalidation.namespace);
    if (invalidation.keys.length > 0) await view.delete(invalidation.keys);
    if (invalidation.tags.length > 0) await view.deleteByTag(invalidation.tags);
  }
}

/** A `namespace()` view (the constructor of `CacheNamespace` is protected: views come from `CacheService`). */
class NamespaceView<V> extends CacheNamespace<V> {
  constructor(parts: CacheParts, view: EngineView, name: string) {
    super(parts, view, name);
  }
}
