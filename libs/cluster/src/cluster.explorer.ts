import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Observable, Subscription } from 'rxjs';
import { ClusterService } from './cluster.service.js';
import { OnNodeJoined, OnNodeLeft, OnShardsChanged } from './decorators/membership.decorators.js';
import { DecoratedMethodExplorer, callHook, type DecoratedMethod } from './discovery/decorated-methods.js';

/** Binds `@OnNodeJoined()`, `@OnNodeLeft()` and `@OnShardsChanged()` methods to the cluster's events. */
@Injectable()
export class ClusterExplorer implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Shoal:Cluster');
  private readonly subscriptions: Subscription[] = [];

  constructor(
    private readonly explorer: DecoratedMethodExplorer,
    private readonly cluster: ClusterService,
  ) {}

  onModuleInit(): void {
    const joined = this.explorer.find(OnNodeJoined, '@OnNodeJoined()');
    const left = this.explorer.find(OnNodeLeft, '@OnNodeLeft()');
    this.subscriptions.push(
      this.cluster.events$.subscribe((event) => {
        for (const handler of event.type === 'joined' ? joined : left) callHook(handler, this.logger, event);
      }),
    );
    this.bind(this.cluster.shardsChanged$, this.explorer.find(OnShardsChanged, '@OnShardsChanged()'));
  }

  onModuleDestroy(): void {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
  }

  private bind<T>(source: Observable<T>, handlers: DecoratedMethod<unknown>[]): void {
    if (handlers.length === 0) return;
    this.subscriptions.push(
      source.subscribe((event) => handlers.forEach((h) => callHook(h, this.logger, event))),
    );
  }
}
