import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { EventEmitter, once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { closeConnection, dropConnection } from './close-connection.js';

/** The command names of one RESP chunk's arrays (enough for the few commands a client sends at connect). */
function commandsIn(chunk: string): string[][] {
  const commands: string[][] = [];
  const lines = chunk.split('\r\n');
  for (let i = 0; i < lines.length; i += 1) {
    if (!lines[i].startsWith('*')) continue;
    const count = Number(lines[i].slice(1));
    const args: string[] = [];
    for (let a = 0; a < count; a += 1) args.push(lines[i + 2 + a * 2]);
    commands.push(args);
    i += count * 2;
  }
  return commands;
}

const bulk = (text: string) => `$${Buffer.byteLength(text)}\r\n${text}\r\n`;

/**
 * Just enough of a Redis server to stage one race: it can hold back its answer to a connection's ready check
 * (`INFO`) until the client has begun to close that connection, then answer and close.
 */
class StagedRedis {
  holdReadyCheck = false;
  /** Emits `held` when a ready check is being held back. */
  readonly events = new EventEmitter();
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<StagedRedis> {
    const holder: { staged?: StagedRedis } = {};
    const server = createServer({ allowHalfOpen: true }, (socket) => holder.staged?.serve(socket));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    holder.staged = new StagedRedis(server, address.port);
    return holder.staged;
  }

  /** Drops every client connection, as a network blip would. */
  dropClients(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.dropClients();
    this.server.close();
    await once(this.server, 'close');
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const hold = this.holdReadyCheck;
    this.holdReadyCheck = false;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      for (const [name, ...args] of commandsIn(chunk)) {
        const command = name.toLowerCase();
        if (command === 'info') {
          const reply = bulk('# Server\r\nredis_version:7.2.0\r\nloading:0\r\n');
          // Answered only once the client has sent its FIN: the reply reaches a connection that is closing.
          if (hold) {
            socket.once('end', () => socket.end(reply));
            this.events.emit('held');
          } else socket.write(reply);
        } else if (command === 'subscribe') {
          args.forEach((channel, index) =>
            socket.write(`*3\r\n${bulk('subscribe')}${bulk(channel)}:${index + 1}\r\n`),
          );
        } else if (command === 'hello') {
          socket.write("-ERR unknown command 'HELLO'\r\n");
        } else if (command === 'quit') {
          socket.end('+OK\r\n');
        } else {
          socket.write('+OK\r\n');
        }
      }
    });
  }
}

describe('closing a subscriber connection while it reconnects', () => {
  let staged: StagedRedis;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    staged = await StagedRedis.start();
    process.on('unhandledRejection', onUnhandled);
  });

  afterEach(() => {
    unhandled.length = 0;
  });

  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await staged?.close();
  });

  /** A subscribed connection, cut off, whose reconnection is in its ready check when `close` is called. */
  async function closeDuringReadyCheck(close: (client: Redis) => Promise<void> | void): Promise<Redis> {
    const client = new Redis({ port: staged.port, host: '127.0.0.1', retryStrategy: () => 10 });
    client.on('error', () => undefined);
    await client.subscribe('news');
    staged.holdReadyCheck = true;
    const held = once(staged.events, 'held');
    staged.dropClients();
    await held;
    await close(client);
    if (client.status !== 'end') await once(client, 'end');
    // Rejections are reported after the microtasks of the close: give them a macrotask to surface.
    await new Promise((resolve) => setImmediate(resolve));
    return client;
  }

  it('dropConnection leaves no re-subscription behind to reject unhandled', async () => {
    const client = await closeDuringReadyCheck((c) => dropConnection(c));
    expect(client.status).toBe('end');
    expect(unhandled).toEqual([]);
  });

  it('closeConnection likewise, and resolves', async () => {
    const client = await closeDuringReadyCheck((c) => closeConnection(c, 500));
    expect(client.status).toBe('end');
    expect(unhandled).toEqual([]);
  });
});
