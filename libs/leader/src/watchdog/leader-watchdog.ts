import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import { ClusterService } from '@shoal/cluster';
import type { LeaderConfig } from '../leader-config.js';
import { LEADER_CONFIG, LEASE_STORE } from '../leader.constants.js';
import { LeaderMetrics } from '../leader.metrics.js';
import { LeaderService } from '../leader.service.js';
import type { LeaseStore } from '../leases/lease-store.js';

/**
 * Checks every lease this node competes for, once per TTL: logs and counts when no node has held it for longer
 * than the TTL (`kind="no_holder"`), and when this node believes it holds a lease the store gives to someone else
 * (`kind="two_holders"` — it should never happen; if it does, fenced writes still protect the data).
 */
@Injectable()
export class LeaderWatchdog implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Shoal:LeaderWatchdog');
  private readonly vacantSince = new Map<string, number>();
  private readonly alerted = new Set<string>();
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(LEADER_CONFIG) private readonly config: LeaderConfig,
    @Inject(LEASE_STORE) private readonly store: LeaseStore,
    private readonly leader: LeaderService,
    private readonly cluster: ClusterService,
    private readonly metrics: LeaderMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.check(), this.config.leaseTtl);
    this.timer.unref();
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** One round of checks (public for tests). */
  async check(): Promise<void> {
    for (const lease of this.leader.leases()) {
      const mine = this.leader.term(lease);
      let holder;
      try {
        holder = await this.store.holder(lease);
      } catch {
        continue; // store unreachable: the participant already reports it
      }
      const now = performance.now();
      if (!holder) {
        const since = this.vacantSince.get(lease) ?? now;
        this.vacantSince.set(lease, since);
        if (now - since > this.config.leaseTtl && !this.alerted.has(lease)) {
          this.alerted.add(lease);
          this.metrics.watchdogAlerts.inc({ lease, kind: 'no_holder' });
          this.logger.warn(`no node has held lease "${lease}" for over ${Math.round(now - since)} ms`);
        }
        continue;
      }
      this.vacantSince.delete(lease);
      this.alerted.delete(lease);
      if (mine && (holder.owner !== this.cluster.self.id || holder.token !== mine.token)) {
        this.metrics.watchdogAlerts.inc({ lease, kind: 'two_holders' });
        this.logger.error(
          `this node holds "${lease}" with token ${mine.token} but the store says ${holder.owner} (token ${holder.token})`,
        );
      }
    }
  }
}
