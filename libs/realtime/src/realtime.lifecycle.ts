import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ApplicationConfig } from '@nestjs/core';
import { ClusterService } from '@shoal/cluster';
import { CLUSTER_CONFIG, withTimeout, type ClusterConfig } from '@shoal/cluster/internal';
import type { Subscription } from 'rxjs';
import type { PresenceStore } from './presence/presence-store.js';
import { InvalidRealtimeOptionsError } from './errors/invalid-realtime-options.error.js';
import { RealtimeRuntime } from './gateway/realtime-runtime.js';
import { ShoalIoAdapter } from './gateway/shoal-io-adapter.js';
import { SocketQueries } from './query/socket-queries.js';
import { PRESENCE_STORE } from './realtime.constants.js';
import { RealtimeMetrics } from './realtime.metrics.js';

/** Fan-out probe event, sent between replicas over the adapter for the latency histogram. */
const PROBE_EVENT = 'shoal:fanout-probe';

/**
 * Starts and stops the realtime layer in the phases every Shoal module follows. Start: queries, presence
 * registration, clean-up of replicas membership saw leave. Shutdown (before): refuse new sockets and SSE streams,
 * close this replica's connections (clients reconnect elsewhere), wait for their disconnect handlers within
 * `shutdownGracePeriod`. Shutdown (after Nest closed the servers): remove this replica's presence, then close the
 * clients Shoal made.
 */
@Injectable()
export class RealtimeLifecycle
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger('Shoal:Realtime');
  private membership?: Subscription;
  private dataLoss?: Subscription;
  private presenceCheck?: NodeJS.Timeout;
  private probe?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly runtime: RealtimeRuntime,
    private readonly queries: SocketQueries,
    private readonly cluster: ClusterService,
    private readonly metrics: RealtimeMetrics,
    @Inject(PRESENCE_STORE) private readonly store: PresenceStore,
    @Inject(CLUSTER_CONFIG) private readonly clusterConfig: ClusterConfig,
    private readonly appConfig: ApplicationConfig,
    private readonly ioAdapter: ShoalIoAdapter,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { config } = this.runtime;
    if (this.appConfig.getIoAdapter() !== this.ioAdapter) {
      throw new InvalidRealtimeOptionsError([
        'app.useWebSocketAdapter() replaced the adapter RealtimeModule installs, so gateways would not reach the ' +
          "other replicas: remove that call (pass Socket.IO server options in RealtimeModule's `server` option)",
      ]);
    }
    await this.queries.start();
    // Any replica may clean up after one that left, whether or not it serves sockets.
    this.membership = this.cluster.events$.subscribe((event) => {
      if (event.type === 'left' && event.member.id !== this.cluster.self.id)
        void this.removeNode(event.member.id);
    });
    if (config.sockets) {
      this.runtime.primaryServer();
      const presence = this.runtime.presence;
      if (presence) {
        await withTimeout(presence.start(), this.clusterConfig.failureTimeout, 'presence registration').catch(
          (error: unknown) => this.logger.warn(`presence not registered yet, retrying: ${String(error)}`),
        );
        // A replica that the others removed while it was alive (a membership flap, e.g. when Redis lost its data and
        // everyone re-registered) re-registers within one failure timeout.
        this.presenceCheck = setInterval(
          () => void this.checkRegistration(),
          this.clusterConfig.failureTimeout,
        );
        this.presenceCheck.unref();
        if (config.adapter === 'redis' || config.adapter === 'sharded' || config.adapter === 'streams') {
          // Presence lives in Redis: when Redis lost its data, each replica rewrites its own share at once.
          this.dataLoss = this.cluster.redisDataLoss$.subscribe(() => {
            this.logger.warn("Redis lost its data: re-registering this replica's presence");
            presence.resync();
          });
        }
      }
      this.startProbe();
    }
    await this.sweep();
    this.logger.log(
      `realtime on adapter '${config.adapter}'` +
        (config.sockets ? '' : ' (emit only: this replica serves no sockets)') +
        (config.authenticate ? ', handshake authentication on' : '') +
        (config.presence ? ', presence on' : ''),
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.membership?.unsubscribe();
    this.dataLoss?.unsubscribe();
    clearInterval(this.presenceCheck);
    clearInterval(this.probe);
    this.runtime.stopAccepting();
    await this.runtime.disconnectLocal(this.runtime.config.shutdownGracePeriod);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.beforeApplicationShutdown();
    // After the other modules' hand-overs (leases are not kept waiting for it), before any connection closes; the
    // survivors remove this replica's presence too, as soon as membership reports it gone.
    await this.runtime.presence?.stop(Math.max(1000, this.runtime.config.shutdownGracePeriod / 2));
    await withTimeout(this.runtime.closeOwnServer(), 3000, 'closing the socket server').catch(
      () => undefined,
    );
    await withTimeout(this.queries.close(), 3000, 'closing the query bus').catch(() => undefined);
    await withTimeout(this.runtime.transport.close(), 5000, 'closing the realtime connections').catch(
      (error: unknown) => this.logger.warn(`realtime connections not closed cleanly: ${String(error)}`),
    );
  }

  private async removeNode(nodeId: string): Promise<void> {
    try {
      await this.store.remove(nodeId);
      this.logger.log(`removed the presence of ${nodeId}, which left the cluster`);
    } catch (error) {
      this.logger.warn(`could not remove the presence of ${nodeId} (the next sweep will): ${String(error)}`);
    }
  }

  /**
   * Removes registrations of replicas that are not members and registered long enough ago that they would be by
   * now (a replica registers in membership before it registers here): what no survivor saw leave, e.g. after the
   * whole cluster was down.
   */
  private async sweep(): Promise<void> {
    const grace = this.clusterConfig.failureTimeout * 2;
    try {
      const nodes = await this.store.nodes();
      const stale = nodes.filter((n) => !this.cluster.isMember(n.nodeId) && n.registeredAgo > grace);
      for (const node of stale) await this.removeNode(node.nodeId);
    } catch (error) {
      this.logger.debug(`presence sweep failed: ${String(error)}`);
    }
  }

  private async checkRegistration(): Promise<void> {
    try {
      const nodes = await this.store.nodes();
      if (!nodes.some((n) => n.nodeId === this.cluster.self.id)) {
        this.logger.warn('the presence store no longer knows this replica (data lost?): re-registering');
        this.runtime.presence?.resync();
      }
    } catch {
      // unreachable store: the tracker re-registers once writes succeed again
    }
  }

  private startProbe(): void {
    const interval = this.runtime.config.fanoutProbeInterval;
    if (interval === 0 || this.runtime.transport.kind === 'memory') return;
    const nsp = this.runtime.primaryServer().of('/');
    nsp.on(PROBE_EVENT, (sentAt: unknown) => {
      if (typeof sentAt === 'number') this.metrics.fanout.observe(Math.max(0, Date.now() - sentAt) / 1000);
    });
    this.probe = setInterval(() => {
      try {
        nsp.serverSideEmit(PROBE_EVENT, Date.now());
      } catch {
        // the adapter is reconnecting; the next probe will tell
      }
    }, interval);
    this.probe.unref();
  }
}
