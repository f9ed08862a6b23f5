import { Inject, Injectable } from '@nestjs/common';
import { OnEvent } from '@shoal/events';
import type { CacheConfig } from '../cache-config.js';
import { CACHE_CONFIG, CACHE_ENGINE } from '../cache.constants.js';
import { CacheMetrics } from '../cache.metrics.js';
import type { CacheEngine } from '../engine/cache-engine.js';
import { CacheInvalidated } from './cache-invalidated.event.js';

/**
 * Applies outbox invalidations on every node (broadcast: works on the Redis Streams and the Postgres NOTIFY
 * transports alike, and needs no cache bus). Each node drops the keys from its own L1 and from L2 (idempotent) and
 * marks the tags invalidated.
 */
@Injectable()
export class CacheInvalidationHandler {
  constructor(
    @Inject(CACHE_CONFIG) private readonly config: CacheConfig,
    @Inject(CACHE_ENGINE) private readonly engine: CacheEngine,
    private readonly metrics: CacheMetrics,
  ) {}

  @OnEvent(CacheInvalidated, { scope: 'broadcast', name: 'shoal.cache.invalidation' })
  async apply(event: CacheInvalidated): Promise<void> {
    if (event.cache !== this.config.namespace) return;
    this.metrics.invalidationsReceived.inc({ cache: this.config.namespace, via: 'outbox' });
    const view = this.engine.view(event.namespace);
    if (event.keys.length > 0) {
      view.l1.deleteMany(event.keys);
      await view.l2?.deleteMany(event.keys);
    }
    if (event.tags.length > 0) await view.bento.deleteByTag({ tags: event.tags });
  }
}
