import { createServer, type AddressInfo } from 'node:net';

/**
 * Finds a TCP port that is free on 127.0.0.1 right now: listens on port 0, reads the port the kernel picked,
 * and closes the listener again. Another process may still take the port before the caller binds it, so use
 * it promptly.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const { port } = server.address() as AddressInfo;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}
