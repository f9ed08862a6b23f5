import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { RedisServer, eventually } from '@shoal/testing';
import { Redis } from 'ioredis';
import { RedisAvailability } from './redis-availability.js';

describe('RedisAvailability', () => {
  let server: RedisServer | undefined;
  let redis: Redis | undefined;

  afterEach(async () => {
    redis?.disconnect();
    await server?.destroy();
    jest.restoreAllMocks();
  });

  it('goes down with the server and up again after it restarts, with one WARN for the whole outage', async () => {
    server = await RedisServer.start();
    redis = new Redis(server.url, { retryStrategy: () => 50 });
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const availability = new RedisAvailability(redis, `127.0.0.1:${server.port}`);
    await eventually(() => redis!.status === 'ready', { what: 'connected' });
    expect(availability.available).toBe(true);

    await server.kill();
    await eventually(() => !availability.available, { what: 'seen down' });
    // Many reconnect attempts fail while it is down (every 50 ms); the outage is still one line.
    await eventually(() => warn.mock.calls.length >= 1, { what: 'the WARN line' });
    await server.restart();
    await eventually(() => availability.available, { what: 'seen up again', timeoutMs: 10_000 });
    const lines = warn.mock.calls.map((call) => String(call[0]));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`Redis at 127\\.0\\.0\\.1:${server.port} unreachable`));
  });
});
