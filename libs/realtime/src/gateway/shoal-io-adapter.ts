import type { HttpAdapterHost } from '@nestjs/core';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { Namespace, type Server, type ServerOptions } from 'socket.io';
import type { RealtimeRuntime } from './realtime-runtime.js';

/**
 * The `IoAdapter` RealtimeModule installs for the whole app (no `app.useWebSocketAdapter()` needed): every gateway's
 * server gets the cluster adapter on Shoal's connections, authentication, presence and graceful shutdown. The HTTP
 * server is looked up when the first gateway connects, as it does not exist yet when the module is created.
 */
export class ShoalIoAdapter extends IoAdapter {
  constructor(
    private readonly host: HttpAdapterHost,
    private readonly runtime: RealtimeRuntime,
  ) {
    super();
  }

  override create(port: number, options?: ServerOptions & { namespace?: string; server?: Server }): Server {
    this.runtime.trackGatewayDisconnects();
    const created: unknown = super.create(port, options);
    // A gateway with a namespace gets the namespace: authentication and presence go on each one.
    if (created instanceof Namespace) this.runtime.prepare(created);
    return created as Server;
  }

  override createIOServer(port: number, options?: Partial<ServerOptions>): Server {
    const httpServer = this.httpServer ?? this.host.httpAdapter?.getHttpServer();
    return this.runtime.createServer(httpServer, port, options ?? {});
  }
}
