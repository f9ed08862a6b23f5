import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { EMPTY, Subject, type Observable } from 'rxjs';
import { CLUSTER_CONFIG, MEMBERSHIP_STORE, NODE_INFO } from './cluster.constants.js';
import type { ClusterConfig } from './cluster-config.js';
import { ClusterMetrics } from './cluster.metrics.js';
import { ClusterConnections } from './connections/cluster-connections.js';
import { ConnectionMissingError } from './errors/connection-missing.error.js';
import type { Member, MembershipEvent } from './membership/membership-event.js';
import {
  applicableNotice,
  type MemberRecord,
  type MembershipNotice,
  type MembershipSnapshot,
  type MembershipStore,
} from './membership/membership-store.js';
import { MembershipView } from './membership/membership-view.js';
import type { NodeInfo } from './node-identity.js';
import { RedisEpochWatch, type RedisDataLoss } from './redis/redis-epoch.js';
import { rendezvousOwner } from './shard-ring/rendezvous.js';
import { withTimeout } from './with-timeout.js';

/** Emitted after every membership change with the member ids the shard ring now spans. */
export interface ShardsChangedEvent {
  readonly members: readonly string[];
}

/**
 * This node's view of the cluster: who is alive, join/leave events, and the shard ring.
 *
 * Guarantees (defaults): a join is seen by the others within one heartbeat (pushed at once in practice); a
 * graceful leave is pushed at once; a crashed node is removed within `failureTimeout + heartbeatInterval` on the
 * store's clock, by exactly one surviving node. When the store loses its data (Redis restarted without persistence,
 * `FLUSHALL`), no live member is reported as leaving: the members seen before are kept for one `failureTimeout`, in
 * which each beats again; one that does not leaves after it.
 */
@Injectable()
export class ClusterService
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger('Shoal:Cluster');
  private readonly view: MembershipView;
  private readonly changes = new Subject<MembershipEvent>();
  private readonly shards = new Subject<ShardsChangedEvent>();
  private readonly epoch?: RedisEpochWatch;
  /** The epoch watch when membership lives in Redis too, so a Redis data loss is a membership data loss. */
  private readonly membershipEpoch?: RedisEpochWatch;
  private timer?: NodeJS.Timeout;
  private pendingBeat?: Promise<unknown>;
  private running = false;
  private storeDown = false;
  private lastBeatAt = 0;
  private requested = 0;
  private applied = 0;
  /** The membership version of the view (from the read applied last); heartbeats skip the member list while it holds. */
  private knownVersion?: string;
  private refreshing = false;
  private refreshAgain = false;
  /**
   * Until when (local clock) reads may add members but not drop them: the store lost its data, and the members this
   * node saw have until then to beat again. 0 when no such rebuild is under way.
   */
  private rebuildingUntil = 0;

  constructor(
    @Inject(CLUSTER_CONFIG) private readonly config: ClusterConfig,
    @Inject(NODE_INFO) private readonly node: NodeInfo,
    @Inject(MEMBERSHIP_STORE) private readonly store: MembershipStore,
    private readonly connections: ClusterConnections,
    private readonly metrics: ClusterMetrics,
  ) {
    this.view = new MembershipView(node.id);
    if (connections.hasRedis) this.epoch = new RedisEpochWatch(connections.redis(), config.prefix);
    if (config.store === 'redis') this.membershipEpoch = this.epoch;
  }

  /**
   * The namespace of this cluster's Redis keys and Postgres schema (ClusterModule `prefix`, default `shoal`). Use it
   * for your own keys and tables too, so two clusters sharing one Redis or Postgres stay apart.
   */
  get prefix(): string {
    return this.config.prefix;
  }

  /** This node. */
  get self(): NodeInfo {
    return this.node;
  }

  /** Live members as this node sees them, sorted by id (this node included). */
  members(): Member[] {
    return this.view.list();
  }

  /** Number of live members. */
  get size(): number {
    return this.view.size;
  }

  /** Whether `id` is a live member. */
  isMember(id: string): boolean {
    return this.view.has(id);
  }

  /** Joins and leaves, as this node sees them, in order. */
  get events$(): Observable<MembershipEvent> {
    return this.changes.asObservable();
  }

  /** The member ids the shard ring spans, after each change. */
  get shardsChanged$(): Observable<ShardsChangedEvent> {
    return this.shards.asObservable();
  }

  /**
   * Emitted when this node finds that Redis lost its data (a restart without persistence, a failover to an empty
   * replica, `FLUSHALL`): the `<prefix>:epoch` marker is gone or was replaced. Shoal's own modules recover on it;
   * subscribe to drop anything you derived from Redis. Never emits without Redis.
   */
  get redisDataLoss$(): Observable<RedisDataLoss> {
    return this.epoch?.dataLoss$ ?? EMPTY;
  }

  /**
   * The id of the data Redis holds now, checked with one round trip (emitting `redisDataLoss$` first if it changed).
   * @throws ConnectionMissingError without Redis.
   */
  redisEpoch(): Promise<string> {
    if (!this.epoch) return Promise.reject(new ConnectionMissingError('redis', 'redisEpoch()'));
    return this.epoch.current();
  }

  /**
   * The member that owns `key` (rendezvous hashing over live members). All nodes with the same view agree; a join
   * or leave moves only about 1/N of the keys.
   */
  ownerOf(key: string): string {
    return rendezvousOwner(key, this.view.ids()) ?? this.node.id;
  }

  /** Whether this node owns `key`. */
  owns(key: string): boolean {
    return this.ownerOf(key) === this.node.id;
  }

  /** Milliseconds since this node's last successful heartbeat (local clock); `Infinity` before the first. */
  heartbeatAge(): number {
    return this.lastBeatAt === 0 ? Infinity : Date.now() - this.lastBeatAt;
  }

  /** Whether this node's heartbeat is fresh enough that the others count it as alive. */
  get registered(): boolean {
    return this.running && this.heartbeatAge() < this.config.failureTimeout;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.epoch?.start(this.config.dataLossCheckInterval);
    this.epoch?.dataLoss$.subscribe(() => {
      this.metrics.redisDataLosses.inc();
      if (this.membershipEpoch) this.rebuild();
    });
    await this.store.init((notice) => this.onNotice(notice));
    this.running = true;
    this.publish(this.view.apply([], this.selfRecord()));
    await this.beat();
    this.schedule();
    this.logger.log(
      `node ${this.node.id} joined (${this.config.store} store, ${this.view.size} member(s), ` +
        `heartbeat ${this.config.heartbeatInterval} ms, failure timeout ${this.config.failureTimeout} ms)`,
    );
  }

  /** Leaves the cluster at once, so the others see it within one round trip. */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearTimeout(this.timer);
    // A beat still in flight could otherwise land after the leave and register this node again.
    await withTimeout(
      this.pendingBeat ?? Promise.resolve(),
      this.config.failureTimeout,
      'last heartbeat',
    ).catch(() => undefined);
    try {
      await withTimeout(this.store.leave(this.node), this.config.failureTimeout, 'leaving the cluster');
      this.logger.log(`node ${this.node.id} left the cluster`);
    } catch (error) {
      this.logger.warn(`could not announce leaving (the others will time it out): ${String(error)}`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.beforeApplicationShutdown();
    this.epoch?.stop();
    await this.store.close().catch((error: unknown) => this.logger.debug(`store close: ${String(error)}`));
    this.changes.complete();
    this.shards.complete();
    await this.connections.close();
  }

  private selfRecord(): MemberRecord {
    return { ...this.node, lastSeen: this.lastBeatAt };
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(
      () => void this.beat().finally(() => this.schedule()),
      this.config.heartbeatInterval,
    );
    this.timer.unref();
  }

  private async beat(): Promise<void> {
    if (!this.running || this.pendingBeat) return;
    if (this.rebuildingUntil !== 0 && Date.now() >= this.rebuildingUntil) {
      // The rebuild's time is up: a full read now drops whoever did not beat again.
      this.rebuildingUntil = 0;
      this.knownVersion = undefined;
    }
    const seq = ++this.requested;
    const beat = this.store.beat(this.node, this.config.failureTimeout, this.knownVersion);
    this.pendingBeat = beat.catch(() => undefined).finally(() => (this.pendingBeat = undefined));
    try {
      const result = await withTimeout(beat, this.config.failureTimeout, 'membership heartbeat');
      this.lastBeatAt = Date.now();
      if (this.storeDown) this.logger.log('membership store reachable again');
      this.storeDown = false;
      if (result.created && this.applied > 0) this.logger.log(`node ${this.node.id} (re)registered`);
      if (result.removed.length > 0) {
        this.metrics.removedByThisNode.inc(result.removed.length);
        this.logger.log(`removed dead member(s): ${result.removed.join(', ')}`);
      }
      if (result.members) await this.applyRead(seq, { version: result.version, members: result.members });
    } catch (error) {
      this.metrics.heartbeatFailures.inc();
      if (!this.storeDown) this.logger.warn(`membership heartbeat failed, retrying: ${String(error)}`);
      this.storeDown = true;
    }
  }

  /** Redis lost the membership: keep the members seen until they beat again (up to one failure timeout). */
  private rebuild(): void {
    if (!this.running) return;
    if (this.rebuildingUntil === 0 && this.view.size > 1) {
      this.logger.warn(
        `the membership store lost its data: keeping the ${this.view.size - 1} other member(s) seen for up to ` +
          `${this.config.failureTimeout} ms while they register again`,
      );
    }
    this.rebuildingUntil = Date.now() + this.config.failureTimeout;
  }

  private onNotice(notice: MembershipNotice): void {
    if (!this.running) return;
    // Removed while alive (paused past the failure timeout, or the store lost its data): register again now.
    if (notice.type === 'left' && notice.id === this.node.id) {
      void this.beat();
      return;
    }
    if (!this.applyNotice(notice)) this.refresh();
  }

  /**
   * Applies a notice that carries its change to a view at the change's `from` version (or already at its `to`: the
   * notices of one change share them), without reading the members.
   * @returns false when only a read can tell (no change carried, or the view is at another version).
   */
  private applyNotice(notice: MembershipNotice): boolean {
    const change = applicableNotice(this.knownVersion, notice);
    if (!change) return false;
    // Reads issued before this change are older than the view it leaves: none of them is applied any more.
    this.applied = ++this.requested;
    this.knownVersion = change.to;
    this.metrics.viewUpdates.inc({ via: 'notice' });
    this.publish(
      this.view.applyChange(
        change.type === 'joined'
          ? { type: 'joined', member: change.member }
          : { type: 'left', id: change.id },
      ),
    );
    return true;
  }

  /** Re-reads membership; coalesces notices that arrive while a read is in flight. */
  private refresh(): void {
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.refreshing = true;
    void (async () => {
      do {
        this.refreshAgain = false;
        const seq = ++this.requested;
        try {
          await this.applyRead(
            seq,
            await withTimeout(this.store.list(this.config.failureTimeout), 2000, 'list'),
          );
        } catch (error) {
          this.logger.debug(`membership refresh failed: ${String(error)}`);
        }
      } while (this.refreshAgain && this.running);
      this.refreshing = false;
    })();
  }

  /** Applies a read unless a read issued later was applied already (reads can complete out of order). */
  private async applyRead(seq: number, read: MembershipSnapshot): Promise<void> {
    if (seq < this.applied || !this.running) return;
    if (this.membershipEpoch && this.rebuildingUntil === 0 && this.view.dropsAnyOf(read.members)) {
      // Members missing without a leave notice: removed as dead, or lost with Redis's data. Tell them apart before
      // reporting anyone gone (a data loss starts a rebuild, in which reads add members but drop none).
      await withTimeout(this.membershipEpoch.afresh(), this.config.failureTimeout, 'data-loss check').catch(
        () => undefined,
      );
      if (seq < this.applied || !this.running) return;
    }
    this.applied = seq;
    this.knownVersion = read.version;
    this.metrics.viewUpdates.inc({ via: 'read' });
    this.publish(
      this.view.apply(read.members, this.selfRecord(), new Date(), Date.now() < this.rebuildingUntil),
    );
  }

  private publish(events: readonly MembershipEvent[]): void {
    if (events.length === 0) return;
    for (const event of events) {
      this.metrics.membershipEvents.inc({ type: event.type });
      if (event.member.id !== this.node.id) this.logger.log(`member ${event.type}: ${event.member.id}`);
      this.changes.next(event);
    }
    this.metrics.members.set(this.view.size);
    this.shards.next({ members: this.view.ids() });
  }
}
