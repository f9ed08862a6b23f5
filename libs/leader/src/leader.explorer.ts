import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { DecoratedMethodExplorer, callHook, type DecoratedMethod } from '@shoal/cluster/internal';
import type { Subscription } from 'rxjs';
import { OnLeadershipAcquired, OnLeadershipLost } from './decorators/leadership.decorators.js';
import type { LeaderConfig } from './leader-config.js';
import { DEFAULT_LEASE, LEADER_CONFIG } from './leader.constants.js';
import { LeaderMetrics } from './leader.metrics.js';
import { LeaderService } from './leader.service.js';
import { LockService } from './locks/lock.service.js';
import { bindLockService, WithLockMarker } from './locks/with-lock.decorator.js';
import { unwrapMethod } from './method-wrapping.js';
import { bindSingleton } from './singleton/singleton.binding.js';
import { SingletonMarker } from './singleton/singleton.decorator.js';
import { SingletonProcess } from './singleton/singleton-process.js';
import { SingletonRunner } from './singleton/singleton-runner.js';

/** Binds `@Singleton`, `@WithLock`, `@OnLeadershipAcquired` and `@OnLeadershipLost` methods at start-up. */
@Injectable()
export class LeaderExplorer implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Shoal:Leader');
  private subscription?: Subscription;

  constructor(
    private readonly explorer: DecoratedMethodExplorer,
    private readonly leader: LeaderService,
    private readonly locks: LockService,
    private readonly metrics: LeaderMetrics,
    @Inject(LEADER_CONFIG) private readonly config: LeaderConfig,
  ) {}

  onModuleInit(): void {
    const acquired = this.leaseHandlers(this.explorer.find(OnLeadershipAcquired, '@OnLeadershipAcquired()'));
    const lost = this.leaseHandlers(this.explorer.find(OnLeadershipLost, '@OnLeadershipLost()'));
    const processes = this.bindSingletons();
    for (const method of this.explorer.find(WithLockMarker, '@WithLock()'))
      bindLockService(method.instance, this.locks);

    this.subscription = this.leader.events$.subscribe((event) => {
      if (event.type === 'acquired') {
        const term = this.leader.term(event.lease);
        if (term) for (const process of processes.get(event.lease) ?? []) void process.start(term);
      }
      for (const handler of (event.type === 'acquired' ? acquired : lost).get(event.lease) ?? []) {
        callHook(handler, this.logger, event);
      }
    });
  }

  /** After the leases were handed back (so `@OnLeadershipLost` hears about it). */
  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }

  private bindSingletons(): Map<string, SingletonProcess[]> {
    const processes = new Map<string, SingletonProcess[]>();
    for (const method of this.explorer.find(SingletonMarker, '@Singleton()')) {
      const meta = method.metadata;
      this.leader.participate(meta.lease);
      bindSingleton(method.instance, method.methodName, new SingletonRunner(meta, this.leader, this.metrics));
      if (!meta.process) continue;
      const fn = (method.instance as Record<string, (...args: unknown[]) => unknown>)[method.methodName];
      const original = unwrapMethod(fn);
      const run = (signal: AbortSignal) => original.call(method.instance, signal);
      const list = processes.get(meta.lease) ?? [];
      list.push(new SingletonProcess(meta, run, this.leader, this.config, this.metrics));
      processes.set(meta.lease, list);
    }
    return processes;
  }

  private leaseHandlers(methods: DecoratedMethod<unknown>[]): Map<string, DecoratedMethod<unknown>[]> {
    const byLease = new Map<string, DecoratedMethod<unknown>[]>();
    for (const method of methods) {
      const lease = typeof method.metadata === 'string' ? method.metadata : DEFAULT_LEASE;
      this.leader.participate(lease);
      byLease.set(lease, [...(byLease.get(lease) ?? []), method]);
    }
    return byLease;
  }
}
