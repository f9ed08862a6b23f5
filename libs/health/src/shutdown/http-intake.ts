import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/**
 * The HTTP side of a graceful stop: counts requests in flight, asks clients to drop keep-alive connections once
 * draining starts (`Connection: close` on every response not yet sent), then stops listening and waits, bounded,
 * for the requests in flight to finish.
 */
export class HttpIntake {
  private server?: Server;
  private inFlight = 0;
  private closing = false;
  private idle: Array<() => void> = [];

  /** Starts counting `server`'s requests. */
  attach(server: Server): void {
    this.server = server;
    server.on('request', this.onRequest);
  }

  /** Requests whose response has not finished. */
  get requestsInFlight(): number {
    return this.inFlight;
  }

  /**
   * From now on every response asks the client to close its connection. Idle connections stay open: closing one
   * races with a client sending its next request on it, which would fail that request.
   */
  closeKeepAlive(): void {
    this.closing = true;
  }

  /** Stops accepting connections and closes idle keep-alive ones; requests in flight go on. */
  stopListening(): void {
    this.closeKeepAlive();
    if (this.server?.listening) this.server.close();
    this.server?.closeIdleConnections();
  }

  /** Resolves when no request is in flight, or after `timeoutMs`. @returns the requests still running then. */
  async drained(timeoutMs: number): Promise<number> {
    if (this.inFlight === 0) return 0;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.idle.push(resolve)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
    return this.inFlight;
  }

  detach(): void {
    this.server?.off('request', this.onRequest);
    this.server = undefined;
  }

  private readonly onRequest = (_req: IncomingMessage, res: ServerResponse): void => {
    this.inFlight += 1;
    if (this.closing && !res.headersSent) res.setHeader('Connection', 'close');
    res.once('close', () => {
      this.inFlight -= 1;
      if (this.inFlight > 0) return;
      const waiting = this.idle;
      this.idle = [];
      for (const resolve of waiting) resolve();
    });
  };
}
