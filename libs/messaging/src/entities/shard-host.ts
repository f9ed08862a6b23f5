import { Inject, Injectable, Logger } from '@nestjs/common';
import { ClusterService } from '@shoal/cluster';
import { rendezvousOwner, withTimeout } from '@shoal/cluster/internal';
import type { LeadershipEvent } from '@shoal/leader';
import {
  BatchingLeaseStore,
  LEADER_CONFIG,
  LEASE_STORE,
  LeaseParticipant,
  LeaseReleases,
  type LeaderConfig,
  type LeaseStore,
} from '@shoal/leader/internal';
import type { Subscription } from 'rxjs';
import { MessagingBus } from '../bus/messaging-bus.js';
import { MESSAGING_CONFIG } from '../messaging.constants.js';
import type { MessagingConfig } from '../messaging-config.js';
import { MessagingMetrics } from '../messaging.metrics.js';
import { HandlerRegistry } from '../registry/handler-registry.js';
import { EntityLifecycle } from './entity-lifecycle.js';
import { shardLeaseName } from './shard-of.js';
import { ShardReader } from './shard-reader.js';
import { ShardStreams } from './shard-streams.js';
import { ShardWorker, type EntryRunner } from './shard-worker.js';

/**
 * This node's part of the shard ring. The shards whose rendezvous owner among the listening nodes is this node are
 * competed for, each under its own lease; a shard runs only while its lease is held (its fencing token travels to
 * the handlers). A shard that moves away is stopped, its running message finishes (bounded by LeaderModule's
 * `shutdownGracePeriod`), then its lease is released so the new owner starts at once. Two nodes with different
 * views can both want a shard; the lease lets only one run it.
 */
@Injectable()
export class ShardHost {
  private readonly logger = new Logger('Shoal:Messaging');
  private readonly streams: ShardStreams;
  private readonly reader: ShardReader;
  /** The lease store for the shard participants: their renewals leave as one `renewMany` per tick. */
  private readonly shardLeases: LeaseStore;
  private readonly participants = new Map<number, { participant: LeaseParticipant; unlisten: () => void }>();
  private readonly stopping = new Map<number, Promise<void>>();
  private readonly workers = new Map<number, ShardWorker>();
  private subscription?: Subscription;
  private runner?: EntryRunner;
  private running = false;

  constructor(
    bus: MessagingBus,
    private readonly registry: HandlerRegistry,
    private readonly cluster: ClusterService,
    private readonly metrics: MessagingMetrics,
    @Inject(MESSAGING_CONFIG) private readonly config: MessagingConfig,
    @Inject(LEASE_STORE) leases: LeaseStore,
    @Inject(LEADER_CONFIG) private readonly leader: LeaderConfig,
    private readonly releases: LeaseReleases,
    private readonly lifecycle: EntityLifecycle,
  ) {
    this.streams = new ShardStreams(bus.commands, bus.keys, config.maxShardBacklog);
    this.shardLeases = new BatchingLeaseStore(leases);
    this.reader = new ShardReader(bus.commands, this.streams, config.shardBatch, () => this.workers.values());
  }

  /** Shards this node runs now. */
  owned(): number[] {
    return [...this.workers.keys()].sort((a, b) => a - b);
  }

  /** The shard's acknowledged stream position ('0-0' before the first acknowledgement). */
  acknowledged(shard: number): Promise<string> {
    return this.streams.position(shard);
  }

  /** Starts competing for this node's shards; `runner` handles their entries. */
  async start(runner: EntryRunner): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.runner = runner;
    await this.reader.start();
    this.subscription = this.registry.changes$.subscribe(() => this.rebalance());
    this.rebalance();
  }

  /** Hands every shard back (running messages finish first, bounded) and stops reading. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.subscription?.unsubscribe();
    await Promise.all([...this.participants.keys()].map((shard) => this.release(shard)));
    await Promise.all(this.stopping.values());
    await this.reader.stop();
  }

  private rebalance(): void {
    if (!this.running) return;
    const self = this.cluster.self.id;
    const hosts = this.registry.hosts();
    const desired = new Set<number>();
    if (hosts.includes(self)) {
      for (let shard = 0; shard < this.config.shards; shard += 1) {
        if (rendezvousOwner(shardLeaseName(shard), hosts) === self) desired.add(shard);
      }
    }
    for (const shard of desired) if (!this.participants.has(shard)) void this.compete(shard);
    for (const shard of [...this.participants.keys()]) if (!desired.has(shard)) void this.release(shard);
  }

  private async compete(shard: number): Promise<void> {
    const lease = shardLeaseName(shard);
    const timing = {
      ttl: this.leader.leaseTtl,
      renewInterval: this.leader.renewInterval,
      retryInterval: this.leader.retryInterval,
      alignRenewals: true,
    };
    const participant = new LeaseParticipant(lease, this.cluster.self.id, this.shardLeases, timing, (event) =>
      this.onLease(shard, participant, event),
    );
    const unlisten = this.releases.listen(lease, () => participant.wake());
    this.participants.set(shard, { participant, unlisten });
    // A previous term of ours still hands over: start after it released, or we would resume its term.
    await this.stopping.get(shard);
    if (this.participants.get(shard)?.participant === participant && this.running) participant.start();
  }

  private release(shard: number): Promise<void> {
    const entry = this.participants.get(shard);
    if (!entry) return this.stopping.get(shard) ?? Promise.resolve();
    this.participants.delete(shard);
    const done = (async () => {
      await this.stopping.get(shard);
      await entry.participant.stop(() => this.drain(shard));
      entry.unlisten();
    })().finally(() => {
      if (this.stopping.get(shard) === done) this.stopping.delete(shard);
    });
    this.stopping.set(shard, done);
    return done;
  }

  private async drain(shard: number): Promise<void> {
    const worker = this.workers.get(shard);
    if (!worker) return;
    worker.stop();
    await withTimeout(worker.drain(), this.leader.shutdownGracePeriod, `shard ${shard} hand-over`).catch(() =>
      this.logger.warn(`shard ${shard}: message still running after the grace period; handing over anyway`),
    );
  }

  private onLease(shard: number, participant: LeaseParticipant, event: LeadershipEvent): void {
    if (event.type === 'acquired') {
      const term = participant.currentTerm();
      if (!term || !this.runner) return;
      const worker = new ShardWorker(
        shard,
        term.token,
        term.signal,
        this.config.shardBatch,
        this.streams,
        this.runner,
        () => this.reader.wake(),
        this.metrics,
      );
      this.workers.set(shard, worker);
      this.metrics.shardMoves.inc({ change: 'acquired' });
      this.metrics.ownedShards.set(this.workers.size);
      void worker.start();
      return;
    }
    const worker = this.workers.get(shard);
    if (worker?.token === event.token) {
      worker.stop();
      this.workers.delete(shard);
      void this.lifecycle.handOver(shard);
    }
    this.metrics.shardMoves.inc({ change: event.reason === 'released' ? 'released' : 'lost' });
    this.metrics.ownedShards.set(this.workers.size);
  }
}
