import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WebSocketGateway } from '@nestjs/websockets';
import { ClusterModule, ClusterService } from '@shoal/cluster';
import { RedisServer, eventually } from '@shoal/testing';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { io, type Socket as ClientSocket } from 'socket.io-client';
import { PresenceService } from './presence/presence.service.js';
import { RealtimeModule } from './realtime.module.js';
import { RealtimeService } from './realtime.service.js';

@WebSocketGateway()
class PlainGateway {}

@Module({})
class LossNodeModule {}

async function start(redisUrl: string, nodeId: string): Promise<{ app: INestApplication; url: string }> {
  const app = await NestFactory.create(
    {
      module: LossNodeModule,
      imports: [
        ClusterModule.forRoot({
          redis: redisUrl,
          nodeId,
          heartbeatInterval: 200,
          failureTimeout: 1000,
          dataLossCheckInterval: 200,
          metricsRegistry: new Registry(),
        }),
        RealtimeModule.forRoot({ authenticate: (handshake) => ({ id: String(handshake.auth.user) }) }),
      ],
      providers: [PlainGateway],
    },
    { logger: false },
  );
  await app.listen(0, '127.0.0.1');
  return { app, url: `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}` };
}

function connect(url: string, user: string): Promise<ClientSocket> {
  const socket = io(url, { auth: { user }, transports: ['websocket'], reconnection: false });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

describe('realtime when Redis loses its data', () => {
  let redis: RedisServer;
  let nodes: { app: INestApplication; url: string }[] = [];
  const clients: ClientSocket[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start(); // nothing persisted
    nodes = await Promise.all([start(redis.url, 'loss-a'), start(redis.url, 'loss-b')]);
    await eventually(() => nodes[0].app.get(ClusterService).size === 2, { what: 'two members' });
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    await Promise.all(nodes.map((n) => n.app.close()));
    await redis?.stop();
  });

  it.each(['FLUSHALL', 'a restart without persistence'])(
    'rebuilds presence and keeps fanning out after %s',
    async (how) => {
      const presence = nodes[1].app.get(PresenceService);
      if (clients.length === 0) {
        clients.push(await connect(nodes[0].url, 'ada'), await connect(nodes[1].url, 'ada'));
        clients.push(await connect(nodes[1].url, 'bob'));
      }
      await eventually(async () => (await presence.totals()).sockets === 3, { what: 'three sockets' });

      if (how === 'FLUSHALL') {
        const client = new Redis(redis.url);
        await client.flushall();
        await client.quit();
      } else {
        await redis.restart();
      }

      await eventually(
        async () => {
          const [ada, totals] = await Promise.all([presence.sockets('ada'), presence.totals()]);
          return ada.sockets === 2 && totals.users === 2 && totals.sockets === 3;
        },
        { what: 'presence rebuilt', timeoutMs: 15_000, intervalMs: 50 },
      );
      expect(await presence.sockets('ada')).toEqual({
        online: true,
        sockets: 2,
        nodes: ['loss-a', 'loss-b'],
      });

      const seen: unknown[] = [];
      clients[2].on('after', (data: unknown) => seen.push(data));
      await eventually(
        () => {
          nodes[0].app.get(RealtimeService).toUser('bob').emit('after', how);
          return seen.length > 0;
        },
        { what: 'an emit from node a reaches bob on node b', timeoutMs: 10_000, intervalMs: 200 },
      );
      clients[2].off('after');
    },
    30_000,
  );
});
