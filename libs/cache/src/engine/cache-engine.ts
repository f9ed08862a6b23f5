import { Logger } from '@nestjs/common';
import type { ClusterConnections } from '@shoal/cluster';
import type { ClusterConfig } from '@shoal/cluster/internal';
import { BentoCache, bentostore } from 'bentocache';
import { LRUCache } from 'lru-cache';
import { Subject } from 'rxjs';
import { createHash } from 'node:crypto';
import type { CacheConfig } from '../cache-config.js';
import type { CacheMetrics } from '../cache.metrics.js';
import type { BusPayload } from '../bus/bus-message.codec.js';
import type { CacheBusTransport } from '../bus/cache-bus-transport.js';
import { PostgresBusTransport } from '../bus/postgres-bus.transport.js';
import { RedisBusTransport } from '../bus/redis-bus.transport.js';
import { bentoLogger } from './bento-logger.js';
import { FenceRegistry } from './fence-registry.js';
import { BENTO_TAG_KEY_PREFIX, L1Store, LruL1Driver, type L1Slot } from './lru-l1.driver.js';
import { RedisL2Driver } from './redis-l2.driver.js';

/** BentoCache's cache object (one per namespace view). */
export type BentoView = ReturnType<BentoCache<{ cache: ReturnType<typeof bentostore> }>['use']>;

/** One namespace of the engine: BentoCache's view and Shoal's drivers under the same prefix. */
export interface EngineView {
  readonly bento: BentoView;
  readonly l1: LruL1Driver;
  readonly l2?: RedisL2Driver;
  /** BentoCache's prefix of this view (the bus names namespaces by it). */
  readonly prefix: string;
}

/** How long BentoCache 1.6 keeps a tag's invalidation time (the version is pinned). */
const TAG_ENTRY_TTL = 10 * 24 * 60 * 60 * 1000;

/** Postgres NOTIFY channel names are identifiers of at most 63 bytes. */
function notifyChannel(prefix: string, namespace: string): string {
  const plain = `${prefix}_cache_${namespace}`;
  if (plain.length <= 63) return plain;
  return `${prefix}_cache_${createHash('sha1').update(namespace).digest('hex').slice(0, 16)}`;
}

/**
 * BentoCache assembled on Shoal's connections: the in-process LRU (L1), Redis (L2, with provider `redis`) and the
 * invalidation bus (Redis pub/sub or Postgres NOTIFY). BentoCache runs the cache logic (tiers, in-process stampede
 * protection, grace periods, timeouts, tags, namespaces, bus messages and their retry queue); Shoal supplies the
 * drivers, which reuse its connections and key prefix and never close them.
 */
export class CacheEngine {
  private readonly logger = new Logger('Shoal:Cache');
  readonly prefix: string;
  readonly lru: LRUCache<string, L1Slot>;
  readonly fences = new FenceRegistry();
  readonly bus?: CacheBusTransport;
  /** Invalidations received from other nodes (bus messages), as applied here. */
  readonly received = new Subject<BusPayload>();
  private readonly bento: BentoCache<{ cache: ReturnType<typeof bentostore> }>;
  private readonly views = new Map<string, EngineView>();
  private readonly l1: LruL1Driver;
  private readonly l1Store: L1Store;
  private readonly l2?: RedisL2Driver;

  constructor(
    readonly config: CacheConfig,
    cluster: ClusterConfig,
    connections: ClusterConnections,
    private readonly metrics: CacheMetrics,
  ) {
    this.prefix = `${cluster.prefix}:cache:${config.namespace}`;
    this.lru = new LRUCache<string, L1Slot>({ max: config.maxEntries });
    this.l1Store = new L1Store(this.lru);
    this.l1 = new LruL1Driver(this.l1Store);
    const store = bentostore().useL1Layer({ options: { serialize: true }, factory: () => this.l1 });
    if (config.provider === 'redis') {
      this.l2 = new RedisL2Driver(
        connections.redis('CacheModule (provider redis)'),
        this.prefix,
        this.fences,
      );
      const l2 = this.l2;
      store.useL2Layer({ options: {}, factory: () => l2 });
    }
    if (config.bus === 'redis') {
      this.bus = new RedisBusTransport(connections.redis('the cache bus'), `${this.prefix}:bus`);
    } else if (config.bus === 'postgres') {
      this.bus = new PostgresBusTransport(
        connections.postgres('the cache bus'),
        notifyChannel(cluster.prefix, config.namespace),
      );
    }
    if (this.bus) {
      const bus = this.bus;
      store.useBus({ options: { retryQueue: { enabled: true, maxSize: 10_000 } }, factory: () => bus });
      this.watchBus(bus);
    }
    this.bento = new BentoCache({
      default: 'cache',
      stores: { cache: store },
      prefix: this.prefix,
      ttl: config.ttl,
      grace: config.grace,
      timeout: config.timeout ?? 0,
      hardTimeout: config.hardTimeout ?? null,
      logger: bentoLogger(this.logger),
    });
  }

  /** The root view (`undefined`) or a namespace. */
  view(namespace?: string): EngineView {
    const name = namespace ?? '';
    let view = this.views.get(name);
    if (!view) {
      const root = this.bento.use();
      view =
        namespace === undefined
          ? { bento: root, l1: this.l1, l2: this.l2, prefix: this.prefix }
          : {
              bento: root.namespace(namespace),
              l1: this.l1.namespace(namespace),
              l2: this.l2?.namespace(namespace),
              prefix: `${this.prefix}:${namespace}`,
            };
      this.views.set(name, view);
    }
    return view;
  }

  /** Creates the root view (which subscribes to the bus) and waits until the bus listens. */
  async ready(): Promise<void> {
    this.view();
    await this.bus?.ready();
  }

  /** Drops every entry of this node's L1 (all namespaces). */
  clearL1(): void {
    this.l1Store.clear();
  }

  async close(): Promise<void> {
    await this.bento.disconnectAll().catch((error: unknown) => this.logger.debug(`close: ${String(error)}`));
  }

  /**
   * BentoCache keeps a tag's invalidation time in a `___bc:t:<tag>` entry and, on another node's `deleteByTag`,
   * only marks that entry stale, to be re-read from L2. Without L2 there is nothing to re-read, so with the local
   * provider the invalidation time is taken from the message itself (the receiving node's clock, never earlier
   * than the sender's deletion as far as entries cached here are concerned).
   */
  private adoptTagInvalidations(payload: BusPayload): void {
    const tagKeys = payload.keys.filter((key) => key.startsWith(BENTO_TAG_KEY_PREFIX));
    if (tagKeys.length === 0 || payload.namespace === undefined) return;
    if (payload.namespace !== this.prefix && !payload.namespace.startsWith(`${this.prefix}:`)) return;
    const namespace =
      payload.namespace === this.prefix ? undefined : payload.namespace.slice(this.prefix.length + 1);
    const view = this.view(namespace);
    const now = Date.now();
    for (const key of tagKeys) {
      void view.bento
        .set({ key, value: now, ttl: TAG_ENTRY_TTL, grace: TAG_ENTRY_TTL, skipBusNotify: true } as never)
        .catch((error: unknown) => this.logger.debug(`tag invalidation: ${String(error)}`));
    }
  }

  private watchBus(bus: CacheBusTransport): void {
    const label = { cache: this.config.namespace, via: 'bus' };
    bus.observe({
      onMessage: (payload) => {
        this.metrics.invalidationsReceived.inc(label);
        this.received.next(payload);
        if (this.config.provider === 'local' && payload.type === 'set') this.adoptTagInvalidations(payload);
      },
      onPublished: () => this.metrics.invalidationsSent.inc(label),
      onResubscribed: () => {
        this.clearL1();
        this.metrics.busReconnects.inc({ cache: this.config.namespace, bus: String(this.config.bus) });
      },
    });
  }
}
