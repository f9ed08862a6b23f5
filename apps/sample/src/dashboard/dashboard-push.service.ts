import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ClusterService } from '@shoal/cluster';
import { LeaderService } from '@shoal/leader';
import { RealtimeService } from '@shoal/realtime';
import { merge, type Subscription } from 'rxjs';
import { DashboardState } from './dashboard-state.service.js';

/** The room of `/live` whose sockets get this replica's `dashboard.state` pushes. */
export const DASHBOARD_ROOM = 'dashboard';
/** How often a replica with dashboard viewers pushes its snapshot (membership changes push at once as well). */
const PUSH_INTERVAL_MS = 1000;

/**
 * Pushes this replica's snapshot to its own dashboard sockets (room `dashboard`, event `dashboard.state`): every
 * second while someone watches, and at once when membership or leadership changes. A page therefore shows the view
 * of the replica it is connected to, which is what `data-member` promises. Pushes never overlap; a replica with no
 * viewer reads nothing.
 */
@Injectable()
export class DashboardPush implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Dashboard');
  private timer?: NodeJS.Timeout;
  private subscription?: Subscription;
  private running = false;
  private again = false;

  constructor(
    private readonly state: DashboardState,
    private readonly realtime: RealtimeService,
    private readonly cluster: ClusterService,
    private readonly leader: LeaderService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.push(), PUSH_INTERVAL_MS);
    this.timer.unref();
    this.subscription = merge(this.cluster.events$, this.leader.events$).subscribe(() => void this.push());
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    this.subscription?.unsubscribe();
  }

  /** Sends the snapshot now (or right after the push in flight). */
  async push(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.viewers() === 0) return;
    this.running = true;
    try {
      do {
        this.again = false;
        const snapshot = await this.state.snapshot();
        this.realtime.local.to(DASHBOARD_ROOM).emit('dashboard.state', snapshot);
      } while (this.again);
    } catch (error) {
      this.logger.warn(`push failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.running = false;
    }
  }

  private viewers(): number {
    try {
      const namespace = this.realtime.server.of('/live');
      return namespace.adapter.rooms.get(DASHBOARD_ROOM)?.size ?? 0;
    } catch {
      return 0; // an emit-only replica (SHOAL_SOCKETS=false) has no viewers
    }
  }
}
