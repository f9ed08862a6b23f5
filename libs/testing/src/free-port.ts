import { createServer } from 'node:net';

/** Below Linux's ephemeral range (32768+): a port a test server gives up while it restarts is not taken meanwhile by
 * some process's outgoing connection. */
const LOW = 10_000;
const HIGH = 32_000;

/**
 * Ports this process handed out already: two callers in a row (three sample nodes started together) must not get the
 * same one, which neither has bound yet.
 */
const handedOut = new Set<number>();

/** Whether `port` can be bound on every IPv4 address right now (a sample node listens on all of them). */
export function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ host: '0.0.0.0', port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * Finds a TCP port that is free on every IPv4 address right now, chosen at random below the kernel's ephemeral range:
 * test servers that stop and restart on their port (Redis, Postgres) are not raced by outgoing connections, and
 * parallel test workers rarely pick the same one; this process never gets the same one twice. Another process may
 * still take it before the caller binds it, so use it promptly.
 */
export async function freePort(): Promise<number> {
  if (handedOut.size > (HIGH - LOW) / 2) handedOut.clear();
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (handedOut.has(port) || !(await bindable(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port found between ${LOW} and ${HIGH}`);
}

/**
 * Like {@link freePort}, but `port + offset` is free too (a Redis Cluster node also listens on its bus port,
 * `port + 10000`).
 */
export async function freePortWithOffset(offset: number): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = await freePort();
    if (await bindable(port + offset)) return port;
  }
  throw new Error(`no free port p with p+${offset} free found`);
}
