import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a server, to cut a client off and let it back without touching the server
 * or the other clients: a network partition in a test. `cut()` destroys every proxied connection and refuses new
 * ones (they are accepted and closed at once, as a dropped route would look to the client); `restore()` lets
 * clients connect again.
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private isCut = false;

  private constructor(
    private readonly server: Server,
    /** The proxy's own port: point the client here. */
    readonly port: number,
  ) {}

  /** Starts a proxy to 127.0.0.1:`targetPort`. */
  static async start(targetPort: number): Promise<TcpProxy> {
    const holder: { proxy?: TcpProxy } = {};
    const server = createServer((client) => holder.proxy?.accept(client, targetPort));
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: 0 }, () => {
        const address = server.address();
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('the proxy has no port'));
      });
    });
    server.unref();
    holder.proxy = new TcpProxy(server, port);
    return holder.proxy;
  }

  /** Whether connections are currently refused. */
  get cutOff(): boolean {
    return this.isCut;
  }

  /** Drops every connection through the proxy and refuses new ones until `restore()`. */
  cut(): void {
    this.isCut = true;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  /** Accepts connections again. */
  restore(): void {
    this.isCut = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, targetPort: number): void {
    if (this.isCut) {
      client.destroy();
      return;
    }
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(a);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        this.sockets.delete(a);
        b.destroy();
      });
      a.pipe(b);
    }
  }
}
