import type { LockHandle, LockService } from '@shoal/leader';
import type { GetSetFactoryContext } from 'bentocache/types';
import { createHash } from 'node:crypto';
import type { CacheBusTransport } from '../bus/cache-bus-transport.js';
import type { CacheMetrics } from '../cache.metrics.js';
import type { EngineView } from '../engine/cache-engine.js';
import { l2ItemKey } from '../engine/cache-keys.js';
import type { FenceRegistry } from '../engine/fence-registry.js';

/** How one `getOrSet` call took part in single flight. */
export interface FlightCall {
  /** The value another node loaded, read from L2 (BentoCache was told to skip: nothing to write). */
  landed?: { value: unknown };
  /** The lock this call loads under; released once BentoCache has written the value. */
  lock?: LockHandle;
}

const NOT_IN_L2: unique symbol = Symbol('shoal:not-in-l2');

/**
 * Cluster-wide single flight, run inside BentoCache's factory (so, thanks to BentoCache's in-process lock, by at
 * most one call per key per node): the node that takes a short lock on the key calls the factory; the others wait
 * until the value lands in L2 and read it from there. The lock carries a fencing token that the L2 write checks,
 * so a loader that lost its lock (paused, cut off) cannot overwrite a newer load. A loader that dies leaves the lock
 * to expire: a waiter then takes it and loads within `lockTtl`. Nobody waits past `wait`: then it loads itself.
 */
export class ClusterSingleFlight {
  private readonly wakers = new Map<string, Set<() => void>>();

  constructor(
    private readonly locks: LockService,
    private readonly settings: {
      readonly lockTtl: number;
      readonly wait: number;
      readonly pollInterval: number;
    },
    private readonly fences: FenceRegistry,
    private readonly metrics: CacheMetrics,
    private readonly cacheName: string,
    bus: CacheBusTransport | undefined,
  ) {
    bus?.observe({
      onMessage: (payload) => {
        if (payload.type !== 'set' || payload.namespace === undefined) return;
        for (const key of payload.keys) this.wake(payload.namespace, key);
      },
    });
  }

  async load<T>(
    view: EngineView,
    key: string,
    factory: () => Promise<T> | T,
    context: GetSetFactoryContext,
    call: FlightCall,
  ): Promise<T | undefined> {
    const lockKey = `cache:${this.cacheName}:${createHash('sha1').update(`${view.prefix}\0${key}`).digest('hex')}`;
    const deadline = performance.now() + this.settings.wait;
    let waited = false;
    for (;;) {
      const lock = await this.locks.tryLock(lockKey, { ttl: this.settings.lockTtl });
      if (lock) {
        // The value may have landed between BentoCache's L2 miss and this lock.
        const landed = await this.readL2(view, key);
        if (landed !== NOT_IN_L2) {
          await lock.release();
          return this.accept(call, landed, context, 'waited');
        }
        call.lock = lock;
        if (view.l2) this.fences.expect(l2ItemKey(this.l2Prefix(view), key), lock.token);
        this.metrics.singleFlight.inc({ cache: this.cacheName, outcome: waited ? 'took_over' : 'loaded' });
        return factory();
      }
      waited = true;
      const landed = await this.readL2(view, key);
      if (landed !== NOT_IN_L2) return this.accept(call, landed, context, 'waited');
      if (performance.now() >= deadline) {
        this.metrics.singleFlight.inc({ cache: this.cacheName, outcome: 'gave_up' });
        return factory();
      }
      await this.sleepUntilWoken(
        view.prefix,
        key,
        Math.min(this.settings.pollInterval, deadline - performance.now()),
      );
    }
  }

  /** The L2 key prefix of a view equals its BentoCache prefix (see cache-keys.ts). */
  private l2Prefix(view: EngineView): string {
    return view.prefix;
  }

  private accept<T>(
    call: FlightCall,
    value: unknown,
    context: GetSetFactoryContext,
    outcome: string,
  ): T | undefined {
    call.landed = { value };
    this.metrics.singleFlight.inc({ cache: this.cacheName, outcome });
    return context.skip();
  }

  /** BentoCache's `get`: L2 (its L1 is empty for this key, or we would not be here), and it fills L1 on a hit. */
  private async readL2(view: EngineView, key: string): Promise<unknown> {
    return view.bento.get<unknown>({ key, defaultValue: NOT_IN_L2 });
  }

  private sleepUntilWoken(namespace: string, key: string, ms: number): Promise<void> {
    const id = `${namespace}\0${key}`;
    return new Promise((resolve) => {
      const wakers = this.wakers.get(id) ?? new Set<() => void>();
      this.wakers.set(id, wakers);
      const done = () => {
        clearTimeout(timer);
        wakers.delete(done);
        if (wakers.size === 0) this.wakers.delete(id);
        resolve();
      };
      const timer = setTimeout(done, Math.max(1, ms));
      wakers.add(done);
    });
  }

  private wake(namespace: string, key: string): void {
    const wakers = this.wakers.get(`${namespace}\0${key}`);
    if (wakers) for (const wake of [...wakers]) wake();
  }
}
