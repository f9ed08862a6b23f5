import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ClusterService } from '@shoal/cluster';
import { withTimeout, provideContextSources } from '@shoal/cluster/internal';
import { Subject, type Observable } from 'rxjs';
import { leaseNameSchema, type LeaderConfig } from './leader-config.js';
import { DEFAULT_LEASE, LEADER_CONFIG, LEASE_STORE } from './leader.constants.js';
import { LeaderMetrics } from './leader.metrics.js';
import { LeaseReleases } from './leases/lease-releases.js';
import { LeaseParticipant } from './leases/lease-participant.js';
import type { LeaseStore } from './leases/lease-store.js';
import type { LeadershipEvent, LeaseHolderView, LeaseTerm } from './leases/lease-term.js';

/**
 * Leases with fencing tokens. Every node competes for the `leader` lease (and any other lease it participates in);
 * at most one holds each at a time, as far as any fenced resource can tell.
 *
 * Guarantees (defaults: TTL 3 s, renew every 1 s): after the holder stops gracefully another node holds the lease
 * within one store round trip; after it crashes, within the TTL plus a few ms; a holder that cannot renew (store
 * unreachable, process paused, event loop stalled) stops counting itself as holder before the store lets anyone
 * else in.
 */
@Injectable()
export class LeaderService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Shoal:Leader');
  private readonly participants = new Map<string, LeaseParticipant>();
  private readonly running = new Map<string, Set<Promise<unknown>>>();
  private readonly changes = new Subject<LeadershipEvent>();
  private started = false;

  constructor(
    @Inject(LEADER_CONFIG) private readonly config: LeaderConfig,
    @Inject(LEASE_STORE) private readonly store: LeaseStore,
    private readonly cluster: ClusterService,
    private readonly metrics: LeaderMetrics,
    private readonly releases: LeaseReleases,
  ) {
    this.participate(DEFAULT_LEASE);
    for (const lease of config.leases) this.participate(lease);
    provideContextSources({ isLeader: () => this.isLeader() });
  }

  /** Whether this node holds `lease` (default `leader`) right now. */
  isLeader(lease = DEFAULT_LEASE): boolean {
    return this.participants.get(lease)?.isHolder() ?? false;
  }

  /** The holder of `lease` as this node last saw it (fresh to within the retry interval), or null. */
  leader(lease = DEFAULT_LEASE): LeaseHolderView | null {
    return this.participants.get(lease)?.holder() ?? null;
  }

  /** This node's fencing token for `lease`, when it holds it. */
  token(lease = DEFAULT_LEASE): number | undefined {
    return this.term(lease)?.token;
  }

  /** This node's current term of `lease` (token, abort signal), when it holds it. */
  term(lease = DEFAULT_LEASE): LeaseTerm | undefined {
    return this.participants.get(lease)?.currentTerm();
  }

  /** Acquisitions and losses of every lease this node competes for. */
  get events$(): Observable<LeadershipEvent> {
    return this.changes.asObservable();
  }

  /** Leases this node competes for. */
  leases(): string[] {
    return [...this.participants.keys()];
  }

  /** Makes this node compete for `lease` (idempotent). */
  participate(lease: string): void {
    const checked = leaseNameSchema.safeParse(lease);
    if (!checked.success) throw new Error(`lease name "${lease}" ${checked.error.issues[0].message}`);
    if (this.participants.has(lease)) return;
    const timing = {
      ttl: this.config.leaseTtl,
      renewInterval: this.config.renewInterval,
      retryInterval: this.config.retryInterval,
    };
    const participant = new LeaseParticipant(lease, this.cluster.self.id, this.store, timing, (e) =>
      this.publish(e),
    );
    this.participants.set(lease, participant);
    if (this.started) participant.start();
  }

  /** Tracks work running under `lease`, so a graceful stop lets it finish before handing the lease over. */
  track<T>(lease: string, work: Promise<T>): Promise<T> {
    let set = this.running.get(lease);
    if (!set) this.running.set(lease, (set = new Set()));
    const tracked = work.finally(() => set.delete(tracked));
    set.add(tracked);
    return tracked;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.store.init((lease) => {
      this.participants.get(lease)?.wake();
      this.releases.notify(lease);
    });
    this.started = true;
    for (const participant of this.participants.values()) participant.start();
    this.logger.log(
      `leases on the ${this.store.constructor.name.replace(/LeaseStore$/, '').toLowerCase()} store`,
    );
  }

  /** Stops new work, lets running work finish (bounded), then hands every held lease over. */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await Promise.all(
      [...this.participants.values()].map((p) =>
        p.stop(() => this.drain(p.lease, this.config.shutdownGracePeriod)),
      ),
    );
    await this.store
      .close()
      .catch((error: unknown) => this.logger.debug(`lease store close: ${String(error)}`));
    this.changes.complete();
  }

  private async drain(lease: string, graceMs: number): Promise<void> {
    const work = [...(this.running.get(lease) ?? [])];
    if (work.length === 0) return;
    try {
      await withTimeout(Promise.allSettled(work), graceMs, `work under lease "${lease}"`);
    } catch {
      this.logger.warn(
        `${work.length} call(s) under "${lease}" still running after ${graceMs} ms; releasing anyway`,
      );
    }
  }

  private publish(event: LeadershipEvent): void {
    this.metrics.isLeader.set({ lease: event.lease }, event.type === 'acquired' ? 1 : 0);
    this.metrics.transitions.inc({ lease: event.lease, type: event.type, reason: event.reason ?? '' });
    const detail =
      event.type === 'acquired' ? `token ${event.token}` : `${event.reason}, token ${event.token}`;
    this.logger.log(`${event.type} lease "${event.lease}" (${detail})`);
    this.changes.next(event);
  }
}
