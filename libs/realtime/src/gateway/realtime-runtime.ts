import { Inject, Injectable, Logger } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { NODE_INFO, type NodeInfo } from '@shoal/cluster';
import { Server, type Namespace, type ServerOptions, type Socket } from 'socket.io';
import { Adapter } from 'socket.io-adapter';
import type { AdapterFactory, ClusterTransport } from '../adapters/cluster-transport.js';
import { PresenceTracker } from '../presence/presence-tracker.js';
import type { PresenceStore } from '../presence/presence-store.js';
import type { RealtimeConfig } from '../realtime-config.js';
import { CLUSTER_TRANSPORT, PRESENCE_STORE, REALTIME_CONFIG } from '../realtime.constants.js';
import { RealtimeMetrics } from '../realtime.metrics.js';
import { tapBroadcasts } from '../sse/room-tap.js';
import { SseHub } from '../sse/sse-hub.js';
import { authenticateMiddleware } from './authenticate-middleware.js';
import { LocalSockets, userOf } from './local-sockets.js';

/** Nest's metadata key on `@WebSocketGateway()` classes. */
const GATEWAY_METADATA = 'websockets:is_gateway';

type AllowRequest = NonNullable<ServerOptions['allowRequest']>;

/**
 * What RealtimeModule does to every Socket.IO server and namespace of this replica: the cluster adapter (tapped for
 * SSE), handshake authentication, the user's room, presence, metrics, local socket bookkeeping, and refusing new
 * connections once shutdown starts. Used by `ShoalIoAdapter` as Nest creates gateway servers.
 */
@Injectable()
export class RealtimeRuntime {
  private readonly logger = new Logger('Shoal:Realtime');
  readonly sockets: LocalSockets;
  readonly sse: SseHub;
  readonly presence?: PresenceTracker;
  private readonly servers: Server[] = [];
  private readonly prepared = new WeakSet<Namespace>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly adapterFactory?: AdapterFactory;
  private accepting = true;
  private gatewaysWrapped = false;
  private headless?: Server;
  private readonly stopListeners: (() => void)[] = [];

  constructor(
    @Inject(REALTIME_CONFIG) readonly config: RealtimeConfig,
    @Inject(CLUSTER_TRANSPORT) readonly transport: ClusterTransport,
    @Inject(PRESENCE_STORE) store: PresenceStore,
    @Inject(NODE_INFO) readonly node: NodeInfo,
    private readonly metrics: RealtimeMetrics,
    private readonly discovery: DiscoveryService,
  ) {
    this.sockets = new LocalSockets(node.id);
    this.sse = new SseHub(transport.kind === 'streams');
    // Every socket-serving replica registers in the presence store: cluster queries ask the registered ones.
    if (config.sockets) this.presence = new PresenceTracker(store, node.id);
    if (config.sockets) this.adapterFactory = this.tappedAdapter(transport.adapter);
  }

  /** Whether new sockets and SSE streams are accepted (false once shutdown started). */
  get isAccepting(): boolean {
    return this.accepting;
  }

  /** The servers of this replica, in creation order. */
  get allServers(): readonly Server[] {
    return this.servers;
  }

  /** Creates a Socket.IO server with RealtimeModule's options, attached to `httpServer` unless this replica serves no sockets. */
  createServer(httpServer: unknown, port: number, gatewayOptions: Partial<ServerOptions> = {}): Server {
    const options = this.serverOptions(gatewayOptions);
    let server: Server;
    if (!this.config.sockets) server = new Server(options);
    else if (port > 0) server = new Server(port, options);
    else if (httpServer) server = new Server(httpServer as ConstructorParameters<typeof Server>[0], options);
    else server = new Server(options);
    this.servers.push(server);
    this.prepare(server.of('/'));
    return server;
  }

  /** Adds authentication, the user's room, presence and bookkeeping to a namespace (once). */
  prepare(nsp: Namespace): Namespace {
    if (this.prepared.has(nsp)) return nsp;
    this.prepared.add(nsp);
    nsp.use(
      authenticateMiddleware({
        authenticate: this.config.authenticate,
        unauthorizedMessage: this.config.unauthorizedMessage,
        accepting: () => this.accepting,
        onRefused: (reason) => this.metrics.refused.inc({ reason }),
      }),
    );
    nsp.on('connection', (socket: Socket) => this.onConnection(socket));
    return nsp;
  }

  /**
   * Makes the promise returned by every gateway's `handleDisconnect` awaitable at shutdown. Runs before Nest binds
   * the handlers (when it creates the first server), so the bound method is the tracked one.
   */
  trackGatewayDisconnects(): void {
    if (this.gatewaysWrapped) return;
    this.gatewaysWrapped = true;
    for (const wrapper of this.discovery.getProviders()) {
      const { metatype, instance } = wrapper;
      if (!metatype || !instance || typeof instance !== 'object') continue;
      if (!Reflect.getMetadata(GATEWAY_METADATA, metatype)) continue;
      const gateway = instance as { handleDisconnect?: (...args: unknown[]) => unknown };
      const original = gateway.handleDisconnect;
      if (typeof original !== 'function') continue;
      gateway.handleDisconnect = (...args: unknown[]) => {
        const result = original.apply(gateway, args);
        if (result instanceof Promise) this.track(result);
        return result;
      };
    }
  }

  /** Keeps `work` until it settles, so shutdown can wait for it. */
  track(work: Promise<unknown>): void {
    const settled = work.catch((error: unknown) =>
      this.logger.error(`disconnect handler failed: ${String(error)}`),
    );
    this.pending.add(settled);
    void settled.finally(() => this.pending.delete(settled));
  }

  /**
   * The server `RealtimeService` emits through: the first gateway's, or, when the app has no gateway, one Shoal
   * makes (not attached to HTTP) so this replica still receives broadcasts for SSE and fans emits out.
   */
  primaryServer(): Server {
    const server = this.servers[0];
    if (server) return server;
    this.headless = this.createServer(undefined, 0);
    return this.headless;
  }

  /** Closes the server Shoal made when the app had no gateway (Nest closes the gateways' own). */
  async closeOwnServer(): Promise<void> {
    await this.headless?.close();
  }

  /** Calls `listener` when shutdown starts. */
  onStopAccepting(listener: () => void): void {
    this.stopListeners.push(listener);
  }

  /** Stops accepting sockets and SSE streams (open SSE streams end, so their clients reconnect elsewhere). */
  stopAccepting(): void {
    this.accepting = false;
    for (const listener of this.stopListeners) listener();
  }

  /**
   * Closes this replica's connections only (not the cluster's: the clients reconnect, to another replica), then
   * waits, within `timeoutMs`, for every socket's disconnect and every tracked disconnect handler.
   */
  async disconnectLocal(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const connections = new Set(this.sockets.all().map((socket) => socket.conn));
    // Closing the transport (not `socket.disconnect()`, which tells the client to stay away) makes clients reconnect.
    for (const connection of connections) connection.close();
    const remaining = () => Math.max(0, deadline - Date.now());
    await Promise.race([this.sockets.whenEmpty(), delay(remaining())]);
    while (this.pending.size > 0 && remaining() > 0) {
      await Promise.race([Promise.allSettled([...this.pending]), delay(remaining())]);
    }
    if (this.sockets.size > 0 || this.pending.size > 0) {
      this.logger.warn(
        `shutdown grace (${timeoutMs} ms) ran out with ${this.sockets.size} socket(s) and ` +
          `${this.pending.size} disconnect handler(s) left`,
      );
    }
  }

  private serverOptions(gatewayOptions: Partial<ServerOptions>): Partial<ServerOptions> {
    const merged: Partial<ServerOptions> = {
      ...this.config.server,
      ...this.transport.serverOptions,
      ...gatewayOptions,
    };
    const allow = merged.allowRequest;
    const allowRequest: AllowRequest = (req, callback) => {
      if (!this.accepting) return callback('server shutting down', false);
      if (allow) return allow(req, callback);
      callback(null, true);
    };
    merged.allowRequest = allowRequest;
    if (this.adapterFactory) merged.adapter = this.adapterFactory as unknown as ServerOptions['adapter'];
    return merged;
  }

  private onConnection(socket: Socket): void {
    const namespace = socket.nsp.name;
    this.sockets.add(socket);
    this.metrics.connections.inc({ namespace });
    this.metrics.sockets.inc({ namespace });
    const user = userOf(socket);
    const tracked = user && this.config.presence ? user.id : undefined;
    if (user) void socket.join(this.config.userRoom(user.id));
    if (tracked) this.presence?.connected(tracked);
    socket.once('disconnect', () => {
      this.sockets.delete(socket);
      this.metrics.sockets.dec({ namespace });
      if (tracked) this.presence?.disconnected(tracked);
    });
  }

  /** The adapter factory with every namespace's adapter tapped for SSE. `new`-able, as Socket.IO calls it. */
  private tappedAdapter(base: AdapterFactory | undefined): AdapterFactory {
    const sse = this.sse;
    return function (nsp: Namespace) {
      const adapter = base ? base(nsp) : new Adapter(nsp);
      tapBroadcasts(adapter, (packet, opts) => sse.deliver(nsp.name, packet, opts));
      return adapter;
    };
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
