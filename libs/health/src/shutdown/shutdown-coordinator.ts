import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HealthConfig } from '../health-config.js';
import { HEALTH_CONFIG } from '../health.constants.js';
import { HttpIntake } from './http-intake.js';

/**
 * Where a node is in its graceful stop: `running`; `draining` (readiness answers 503, everything still served);
 * `stopping` (no new HTTP connections, requests in flight finishing; then Shoal's modules stop workers, relay and
 * sockets, hand leases back and leave the cluster); `stopped`.
 */
export type ShutdownPhase = 'running' | 'draining' | 'stopping' | 'stopped';

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Owns the order of a graceful stop (needs `app.enableShutdownHooks()`):
 * 1. on SIGTERM/SIGINT (or `app.close()`) readiness answers 503 at once, before any hook of any module runs;
 * 2. for `drainDelay` ms everything is still served, while load balancers and Kubernetes endpoints stop routing
 *    here; responses ask clients to close keep-alive connections;
 * 3. the HTTP server stops listening; requests in flight get `shutdownGrace` ms to finish;
 * 4. only then do Shoal's modules run their stop hooks, in dependency order: workers stop fetching and finish
 *    their jobs, the relay and sockets stop, leases are handed back, the node leaves the cluster, and
 *    connections close.
 */
@Injectable()
export class ShutdownCoordinator implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger('Shoal:Health');
  private readonly intake = new HttpIntake();
  private current: ShutdownPhase = 'running';
  private startedAt = 0;
  private listening: Array<[string, () => void]> = [];

  constructor(
    @Inject(HEALTH_CONFIG) private readonly config: HealthConfig,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {}

  /** Where this node is in its stop. */
  get phase(): ShutdownPhase {
    return this.current;
  }

  /** HTTP requests whose response has not finished (this one included, when asked during a request). */
  get requestsInFlight(): number {
    return this.intake.requestsInFlight;
  }

  /** True from the moment shutdown starts: readiness answers 503. */
  get shuttingDown(): boolean {
    return this.current !== 'running';
  }

  /** Starts the stop: readiness fails from now on. Idempotent; called on the signal and by the first stop hook. */
  begin(reason: string): void {
    if (this.current !== 'running') return;
    this.current = 'draining';
    this.startedAt = performance.now();
    this.intake.closeKeepAlive();
    this.logger.log(`shutdown (${reason}): readiness now 503, draining for ${this.config.drainDelay} ms`);
  }

  onApplicationBootstrap(): void {
    const server = this.adapterHost?.httpAdapter?.getHttpServer() as Server | undefined;
    if (server && typeof server.on === 'function') this.intake.attach(server);
    // Only beside Nest's own listener (enableShutdownHooks): a lone listener would stop the signal killing the process.
    for (const signal of SIGNALS) {
      if (process.listenerCount(signal) === 0) continue;
      const listener = () => this.begin(signal);
      process.on(signal, listener);
      this.listening.push([signal, listener]);
    }
  }

  /** Runs before every other stop hook of Shoal's modules: drain, then stop HTTP intake. */
  async onModuleDestroy(): Promise<void> {
    this.begin('application closing');
    if (this.current !== 'draining') return;
    const left = this.config.drainDelay - (performance.now() - this.startedAt);
    if (left > 0) await sleep(left);
    this.current = 'stopping';
    this.intake.stopListening();
    const running = this.intake.requestsInFlight;
    const unfinished = await this.intake.drained(this.config.shutdownGrace);
    this.logger.log(
      `HTTP intake stopped after ${this.elapsed()} ms; ${running - unfinished} request(s) in flight finished` +
        (unfinished > 0 ? `, ${unfinished} still running after ${this.config.shutdownGrace} ms` : ''),
    );
  }

  onApplicationShutdown(): void {
    for (const [signal, listener] of this.listening) process.off(signal, listener);
    this.listening = [];
    this.intake.detach();
    if (this.current !== 'stopped') this.logger.log(`stopped ${this.elapsed()} ms after shutdown began`);
    this.current = 'stopped';
  }

  private elapsed(): number {
    return Math.round(performance.now() - this.startedAt);
  }
}
