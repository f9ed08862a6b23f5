import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ClusterService } from '@shoal/cluster';
import { Subject, type Observable, type Subscription } from 'rxjs';
import { MessagingBus } from '../bus/messaging-bus.js';
import { MESSAGING_CONFIG } from '../messaging.constants.js';
import type { MessagingConfig } from '../messaging-config.js';

/**
 * Which live node handles which patterns: each listening node writes its patterns to one Redis hash; every node
 * re-reads it on a join/leave, on a registry notice and every `registryRefreshInterval`. Only nodes that are live
 * members count, so a crashed node's stale entry routes nothing.
 */
@Injectable()
export class HandlerRegistry implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Shoal:Messaging');
  private table = new Map<string, ReadonlySet<string>>();
  /**
   * `nodesFor` / `hosts` answers until the table or the membership view changes (both clear it: the view changes
   * before its event is emitted, so an answer never outlives the view it was computed from).
   */
  private readonly routes = new Map<string, readonly string[]>();
  private readonly changed = new Subject<void>();
  private subscription?: Subscription;
  private stopNotices?: () => void;
  private timer?: NodeJS.Timeout;
  private refreshing?: Promise<void>;
  private again = false;
  /** The patterns this node serves, while it listens. */
  private advertised?: readonly string[];

  constructor(
    private readonly bus: MessagingBus,
    private readonly cluster: ClusterService,
    @Inject(MESSAGING_CONFIG) private readonly config: MessagingConfig,
  ) {}

  /** Emits after every refresh (the set of listening nodes or their patterns may have changed). */
  get changes$(): Observable<void> {
    return this.changed.asObservable();
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.start();
    this.stopNotices = this.bus.onRegistryNotice(() => void this.refresh());
    this.subscription = this.cluster.events$.subscribe((event) => {
      this.routes.clear();
      if (event.type === 'left') {
        void this.bus.commands.hdel(this.bus.keys.handlers, event.member.id).catch(() => undefined);
      }
      void this.refresh();
    });
    this.schedule();
    await this.refresh();
  }

  /** Makes this node a target of `patterns` (and a shard host) for every node. */
  async advertise(patterns: readonly string[]): Promise<void> {
    this.advertised = [...patterns];
    await this.write(this.advertised);
    await this.refresh();
  }

  /** Stops routing to this node. */
  async withdraw(): Promise<void> {
    if (!this.advertised) return;
    this.advertised = undefined;
    await this.bus.commands.hdel(this.bus.keys.handlers, this.cluster.self.id);
    await this.bus.announceRegistryChange();
    await this.refresh();
  }

  /** Live nodes with a handler for `pattern`, sorted by id. */
  nodesFor(pattern: string): readonly string[] {
    let nodes = this.routes.get(pattern);
    if (!nodes) {
      nodes = this.hosts().filter((node) => this.table.get(node)?.has(pattern));
      this.routes.set(pattern, nodes);
    }
    return nodes;
  }

  /** Whether `node` is live and has a handler for `pattern`. */
  handles(node: string, pattern: string): boolean {
    return this.cluster.isMember(node) && (this.table.get(node)?.has(pattern) ?? false);
  }

  /** Live nodes that listen (run the Shoal transport), sorted by id: the shard hosts. */
  hosts(): string[] {
    return [...this.table.keys()].filter((node) => this.cluster.isMember(node)).sort();
  }

  /** Re-reads the registry; concurrent calls share one read and a call during a read triggers one more. */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.again = false;
        try {
          const raw = await this.bus.commands.hgetall(this.bus.keys.handlers);
          const table = new Map<string, ReadonlySet<string>>();
          for (const [node, patterns] of Object.entries(raw))
            table.set(node, new Set(JSON.parse(patterns) as string[]));
          this.table = table;
          this.routes.clear();
          // Removed by the others while this node was paused past the failure timeout (or Redis lost it): write
          // it back, so this node is routed to and hosts shards again.
          const self = this.cluster.self.id;
          if (this.advertised && !table.has(self)) {
            await this.write(this.advertised);
            table.set(self, new Set(this.advertised));
            this.routes.clear();
          }
          this.changed.next();
        } catch (error) {
          this.logger.debug(`handler registry refresh failed: ${String(error)}`);
        }
      } while (this.again);
    })().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async write(patterns: readonly string[]): Promise<void> {
    await this.bus.commands.hset(this.bus.keys.handlers, this.cluster.self.id, JSON.stringify(patterns));
    await this.bus.announceRegistryChange();
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.subscription?.unsubscribe();
    this.stopNotices?.();
    this.changed.complete();
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      void this.refresh().finally(() => {
        if (this.timer) this.schedule();
      });
    }, this.config.registryRefreshInterval);
    this.timer.unref();
  }
}
