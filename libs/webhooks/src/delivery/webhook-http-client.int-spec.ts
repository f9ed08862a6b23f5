import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';

import { type HostResolver, SsrfGuard } from '../ssrf/ssrf-guard.js';
import { WebhookHttpClient } from './webhook-http-client.js';

/** What the local receiver saw. */
interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const ONE_MB = 1024 * 1024;
const CHUNK = 16 * 1024;

describe('WebhookHttpClient (against a local receiver on 127.0.0.1)', () => {
  let server: Server;
  let base: string;
  let port: number;
  let connections = 0;
  let requests: Received[] = [];
  /** The 1 MB response: bytes written, and whether it was written to the end. */
  const big = { written: 0, finished: false, closed: Promise.resolve() };
  const clients: WebhookHttpClient[] = [];

  const newClient = (guard: SsrfGuard, options: { timeoutMs?: number; maxResponseBytes?: number } = {}) => {
    const client = new WebhookHttpClient({ guard, connectTimeoutMs: 1_000, ...options });
    clients.push(client);
    return client;
  };
  const allowLocal = () => new SsrfGuard({ allowList: ['127.0.0.1'] });

  async function streamBig(res: ServerResponse): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(ONE_MB) });
    big.closed = once(res, 'close').then(() => undefined);
    while (big.written < ONE_MB && !res.destroyed) {
      const ok = res.write(Buffer.alloc(CHUNK, 'x'));
      big.written += CHUNK;
      if (!ok) await Promise.race([once(res, 'drain'), once(res, 'close')]);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    if (!res.destroyed) res.end();
    big.finished = res.writableFinished || big.written >= ONE_MB;
  }

  function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    switch (req.url) {
      case '/ok':
        res.writeHead(200, { 'content-type': 'text/plain', 'x-receiver': 'local' }).end('thanks');
        return;
      case '/fail':
        res.writeHead(500, { 'retry-after': '30' }).end('boom');
        return;
      case '/big':
        void streamBig(res);
        return;
      case '/redirect':
        res.writeHead(302, { location: `${base}/ok` }).end();
        return;
      case '/hang':
        return; // never answers
      default:
        res.writeHead(404).end();
    }
  }

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
    });
    server.on('connection', () => {
      connections += 1;
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    server.closeAllConnections();
    requests = [];
    connections = 0;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('POSTs the body with JSON content type, user agent and extra headers; returns status, headers, body', async () => {
    const client = newClient(allowLocal());
    const body = JSON.stringify({ type: 'ping', n: 1 });
    const result = await client.post(`${base}/ok`, body, { 'Webhook-Id': 'msg_1', 'webhook-timestamp': '1' });
    expect(result).toMatchObject({
      outcome: 'response',
      status: 200,
      body: 'thanks',
      truncated: false,
      headers: { 'x-receiver': 'local', 'content-type': 'text/plain' },
    });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ method: 'POST', url: '/ok', body });
    expect(requests[0].headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'Shoal-Webhooks/0.1',
      'webhook-id': 'msg_1',
      'webhook-timestamp': '1',
    });
  });

  it('reuses the keep-alive connection, checking the target once per connection', async () => {
    const lookups: string[] = [];
    const resolve: HostResolver = async (hostname) => {
      lookups.push(hostname);
      return [{ address: '127.0.0.1', family: 4 }];
    };
    // A name that real DNS cannot resolve: reaching the server proves the connection went to the address
    // the guard checked, with no second lookup.
    const client = newClient(new SsrfGuard({ resolve, allowList: ['receiver.invalid'] }));
    const url = `http://receiver.invalid:${port}/ok`;
    expect(await client.post(url, '{}')).toMatchObject({ outcome: 'response', status: 200 });
    // undici frees the socket for the next request one macrotask after the body's end.
    await new Promise((resolve) => setImmediate(resolve));
    expect(await client.post(url, '{}')).toMatchObject({ outcome: 'response', status: 200 });
    expect(connections).toBe(1);
    expect(lookups).toEqual(['receiver.invalid']);
    expect(requests[0].headers.host).toBe(`receiver.invalid:${port}`);
  });

  it('returns a 500 as a response', async () => {
    const result = await newClient(allowLocal()).post(`${base}/fail`, '{}');
    expect(result).toMatchObject({ outcome: 'response', status: 500, body: 'boom' });
    expect(result.outcome === 'response' && result.headers['retry-after']).toBe('30');
  });

  it('truncates a 1 MB response to the cap and stops reading it', async () => {
    const client = newClient(allowLocal(), { maxResponseBytes: 64 * 1024 });
    const result = await client.post(`${base}/big`, '{}');
    expect(result).toMatchObject({ outcome: 'response', status: 200, truncated: true });
    expect(result.outcome === 'response' && result.body.length).toBe(64 * 1024);
    await big.closed; // the client dropped the connection...
    expect(big.finished).toBe(false); // ...before the server could write it all
    expect(big.written).toBeLessThan(ONE_MB);
  });

  it('times out a receiver that never answers, not before timeoutMs', async () => {
    const result = await newClient(allowLocal(), { timeoutMs: 300 }).post(`${base}/hang`, '{}');
    expect(result).toMatchObject({ outcome: 'timeout' });
    expect(result.durationMs).toBeGreaterThanOrEqual(250); // a lower bound: load can only make it later
  });

  it('reports a refused connection as a network error', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const result = await newClient(allowLocal()).post(`http://127.0.0.1:${closedPort}/ok`, '{}');
    expect(result).toMatchObject({ outcome: 'network-error' });
    expect(result.outcome !== 'response' && result.error).toContain('ECONNREFUSED');
  });

  it('reports a DNS failure as a network error', async () => {
    const resolve: HostResolver = async (hostname) => {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    };
    const result = await newClient(new SsrfGuard({ resolve })).post('http://nowhere.invalid/', '{}');
    expect(result).toMatchObject({ outcome: 'network-error' });
    expect(result.outcome !== 'response' && result.error).toContain('ENOTFOUND');
  });

  it('does not follow redirects', async () => {
    const result = await newClient(allowLocal()).post(`${base}/redirect`, '{}');
    expect(result).toMatchObject({ outcome: 'response', status: 302 });
    expect(result.outcome === 'response' && result.headers.location).toBe(`${base}/ok`);
    expect(requests.map((r) => r.url)).toEqual(['/redirect']);
  });

  it('refuses the local receiver when it is not allowed, without connecting', async () => {
    const client = newClient(new SsrfGuard());
    for (const url of [
      `${base}/ok`,
      `http://[::ffff:127.0.0.1]:${port}/ok`,
      `http://2130706433:${port}/ok`,
    ]) {
      const result = await client.post(url, '{}');
      expect(result).toMatchObject({ outcome: 'unsafe' });
      expect(result.outcome !== 'response' && result.error).toContain('UnsafeWebhookTargetError');
    }
    const viaName = newClient(
      new SsrfGuard({ resolve: async () => [{ address: '127.0.0.1', family: 4 }] }),
    ).post(`http://innocent.invalid:${port}/ok`, '{}');
    expect(await viaName).toMatchObject({ outcome: 'unsafe' });
    expect(await client.post(`ftp://127.0.0.1:${port}/`, '{}')).toMatchObject({ outcome: 'unsafe' });
    expect(connections).toBe(0);
    expect(requests).toHaveLength(0);
  });
});
