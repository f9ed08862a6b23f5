import { afterEach, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { freePort } from './free-port.js';
import { RedisServer, pingRedis } from './redis-server.js';

const TIMEOUT = 30_000;
const servers: RedisServer[] = [];

/** Sends one inline command over a fresh connection and returns the raw reply. */
function redisCommand(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(`${command}\r\n`));
    socket.setEncoding('utf8');
    socket.setTimeout(2_000, () => socket.destroy(new Error(`timeout on ${command}`)));
    socket.once('error', reject);
    socket.once('data', (reply: string) => {
      socket.end();
      resolve(reply);
    });
  });
}

async function startServer(port?: number): Promise<RedisServer> {
  const server = await RedisServer.start({ port });
  servers.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.kill()));
});

describe('RedisServer', () => {
  it(
    'starts on a free port, answers, loses its data on restart, and stops',
    async () => {
      const server = await startServer();
      expect(server.port).not.toBe(6379);
      expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
      expect(server.running).toBe(true);
      expect(await pingRedis(server.port)).toBe(true);

      expect(await redisCommand(server.port, 'SET shoal:probe hello')).toBe('+OK\r\n');
      expect(await redisCommand(server.port, 'GET shoal:probe')).toBe('$5\r\nhello\r\n');

      const firstPid = server.pid;
      await server.restart();
      expect(server.running).toBe(true);
      expect(server.pid).not.toBe(firstPid);
      expect(await pingRedis(server.port)).toBe(true);
      expect(await redisCommand(server.port, 'GET shoal:probe')).toBe('$-1\r\n');

      await server.stop();
      expect(server.running).toBe(false);
      expect(await pingRedis(server.port)).toBe(false);
    },
    TIMEOUT,
  );

  it(
    'uses the requested port and comes back after a kill',
    async () => {
      const port = await freePort();
      const server = await startServer(port);
      expect(server.port).toBe(port);

      await server.kill();
      expect(server.running).toBe(false);
      expect(await pingRedis(port)).toBe(false);

      await server.restart();
      expect(await pingRedis(port)).toBe(true);
      await server.stop();
    },
    TIMEOUT,
  );

  it(
    'runs in a private temp dir that is removed on stop',
    async () => {
      const server = await startServer();
      const dir = (await redisCommand(server.port, 'CONFIG GET dir')).split('\r\n')[4];
      expect(dir).toMatch(/shoal-redis-/);
      expect(existsSync(dir)).toBe(true);
      await server.stop();
      expect(existsSync(dir)).toBe(false);
    },
    TIMEOUT,
  );

  it(
    'fails with the server output when the port is taken',
    async () => {
      const blocker = createServer((socket) => socket.destroy());
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      const { port } = blocker.address() as AddressInfo;
      try {
        await expect(RedisServer.start({ port, readyTimeoutMs: 10_000 })).rejects.toThrow(
          /redis-server :\d+ exited before it was ready[\s\S]*Last output:[\s\S]*Address already in use/,
        );
      } finally {
        await new Promise((resolve) => blocker.close(resolve));
      }
    },
    TIMEOUT,
  );

  it(
    'fails, instead of passing for it, when another Redis server answers on its port',
    async () => {
      const other = await startServer();
      await expect(RedisServer.start({ port: other.port })).rejects.toThrow(
        /redis-server :\d+ (exited before it was ready|failed its readiness check: port \d+ is answered by process \d+)/,
      );
      expect(await pingRedis(other.port)).toBe(true);
    },
    TIMEOUT,
  );
});
