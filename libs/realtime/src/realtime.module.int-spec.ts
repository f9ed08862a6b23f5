import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable, Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  type OnGatewayDisconnect,
} from '@nestjs/websockets';
import { ClusterModule, ClusterService } from '@shoal/cluster';
import { eventually } from '@shoal/testing';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Registry } from 'prom-client';
import type { Socket } from 'socket.io';
import { io, type Socket as ClientSocket } from 'socket.io-client';
import { firstValueFrom, take, toArray, filter } from 'rxjs';
import { PresenceService } from './presence/presence.service.js';
import type { RealtimeAdapterKind, RealtimeUser } from './realtime-options.js';
import { RealtimeModule } from './realtime.module.js';
import { RealtimeService } from './realtime.service.js';
import { SocketUser } from './decorators/socket-user.decorator.js';
import { RealtimeMetrics } from './realtime.metrics.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

@Injectable()
@WebSocketGateway({ namespace: '/live' })
class LiveGateway implements OnGatewayDisconnect {
  readonly disconnected: string[] = [];

  @SubscribeMessage('join')
  async join(@ConnectedSocket() socket: Socket, @MessageBody() body: { room: string }) {
    await socket.join(body.room);
    return { ok: true };
  }

  @SubscribeMessage('whoami')
  whoami(@SocketUser() user: RealtimeUser) {
    return user;
  }

  /** Slow on purpose: a graceful stop must wait for it. */
  async handleDisconnect(socket: Socket): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 100));
    this.disconnected.push(socket.id);
  }
}

@Module({})
class TestAppModule {}

function appModule(
  adapter: RealtimeAdapterKind,
  prefix: string,
  nodeId: string,
  sockets: boolean,
): DynamicModule {
  const postgres = adapter === 'postgres';
  return {
    module: TestAppModule,
    imports: [
      ClusterModule.forRoot({
        redis: postgres ? undefined : REDIS_URL,
        postgres: postgres ? DATABASE_URL : undefined,
        prefix,
        nodeId,
        heartbeatInterval: 200,
        failureTimeout: 1000,
        metricsRegistry: new Registry(),
      }),
      RealtimeModule.forRoot({
        adapter,
        sockets,
        namespace: '/live',
        queryTimeout: 500,
        fanoutProbeInterval: 200,
        authenticate: (handshake) => {
          const token = (handshake.auth as { token?: string }).token;
          return token?.startsWith('user:') ? { id: token.slice(5) } : null;
        },
      }),
    ],
    providers: sockets ? [LiveGateway] : [],
  };
}

async function start(adapter: RealtimeAdapterKind, prefix: string, nodeId: string, sockets = true) {
  const app = await NestFactory.create(appModule(adapter, prefix, nodeId, sockets), {
    logger: ['error', 'warn'],
  });
  app.enableShutdownHooks();
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${address.port}` };
}

function connect(url: string, token?: string): Promise<ClientSocket> {
  const socket = io(`${url}/live`, {
    auth: token ? { token } : {},
    transports: ['websocket'],
    reconnection: false,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

function received(socket: ClientSocket, event: string): unknown[] {
  const seen: unknown[] = [];
  socket.on(event, (data: unknown) => seen.push(data));
  return seen;
}

async function cleanup(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${prefix}" CASCADE`);
  await client.end();
}

/** Network handles of this process: what a closed app must give back. */
function networkHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => /TCP|Pipe|Socket/i.test(r)).length;
}

describe.each(['redis', 'sharded', 'streams', 'postgres'] as const)(
  'RealtimeModule on the %s adapter',
  (adapter) => {
    const prefix = `t_${Math.random().toString(36).slice(2, 10)}`;
    let a: { app: INestApplication; url: string };
    let b: { app: INestApplication; url: string };
    let emitOnly: { app: INestApplication; url: string };
    const clients: ClientSocket[] = [];
    let handlesBefore = 0;

    beforeAll(async () => {
      handlesBefore = networkHandles();
      [a, b, emitOnly] = await Promise.all([
        start(adapter, prefix, 'node-a'),
        start(adapter, prefix, 'node-b'),
        start(adapter, prefix, 'node-e', false),
      ]);
      await eventually(() => a.app.get(ClusterService).size === 3, {
        timeoutMs: 5000,
        what: 'three members',
      });
    });

    afterAll(async () => {
      for (const client of clients) client.close();
      await Promise.all([a, b, emitOnly].map((n) => n?.app.close()));
      await cleanup(prefix);
    });

    it('delivers an emit from any replica, including an emit-only one, to every socket exactly once', async () => {
      const onA = await connect(a.url, 'user:ada');
      const onB = await connect(b.url, 'user:bob');
      clients.push(onA, onB);
      expect(await onA.emitWithAck('whoami')).toEqual({ id: 'ada' });
      for (const socket of [onA, onB])
        expect(await socket.emitWithAck('join', { room: 'orders' })).toEqual({ ok: true });
      const seenA = received(onA, 'ping');
      const seenB = received(onB, 'ping');
      a.app.get(RealtimeService).to('orders').emit('ping', { from: 'a' });
      b.app.get(RealtimeService).to('orders').emit('ping', { from: 'b' });
      emitOnly.app.get(RealtimeService).to('orders').emit('ping', { from: 'e' });
      await eventually(() => seenA.length >= 3 && seenB.length >= 3, { what: 'three pings each' });
      await new Promise((resolve) => setTimeout(resolve, 200)); // a duplicate would arrive by now
      for (const seen of [seenA, seenB]) {
        expect(seen.map((p) => (p as { from: string }).from).sort()).toEqual(['a', 'b', 'e']);
      }
      const toBob = received(onB, 'notice');
      const toAda = received(onA, 'notice');
      emitOnly.app.get(RealtimeService).toUser('bob').emit('notice', 'hi bob');
      await eventually(() => toBob.length === 1, { what: "bob's notice" });
      expect(toAda).toEqual([]);
    });

    it('refuses a handshake without a valid token with a readable error', async () => {
      await expect(connect(a.url)).rejects.toThrow('unauthorized');
      await expect(connect(b.url, 'forged')).rejects.toThrow('unauthorized');
    });

    it('counts presence and answers cluster queries from every replica', async () => {
      const second = await connect(b.url, 'user:ada');
      clients.push(second);
      const presence = emitOnly.app.get(PresenceService);
      await eventually(async () => (await presence.sockets('ada')).sockets === 2, {
        what: 'ada on two replicas',
      });
      expect(await presence.sockets('ada')).toEqual({
        online: true,
        sockets: 2,
        nodes: ['node-a', 'node-b'],
      });
      expect(await presence.totals()).toEqual({ users: 2, sockets: 3 });
      const sockets = await emitOnly.app.get(RealtimeService).in('orders').fetchSockets();
      expect(sockets.map((s) => s.userId).sort()).toEqual(['ada', 'bob']);
      expect(await a.app.get(RealtimeService).socketCount()).toBe(3);
      // The fan-out probes (every 200 ms here) crossed between the replicas.
      await eventually(
        async () => {
          const metric = await b.app.get(RealtimeMetrics).fanout.get();
          return (
            (metric.values.find((v) => v.metricName === 'shoal_realtime_fanout_seconds_count')?.value ?? 0) >
            0
          );
        },
        { what: 'fan-out latency observed' },
      );
    });

    it('streams a room no socket is in as SSE on one replica, from emits on the others', async () => {
      const events = b.app.get(RealtimeService).roomEvents('ticker');
      const next = firstValueFrom(
        events.pipe(
          filter((m) => m.type === 'sse'),
          take(2),
          toArray(),
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      a.app.get(RealtimeService).to('ticker').emit('sse', { n: 1 });
      emitOnly.app.get(RealtimeService).to('ticker').emit('sse', { n: 2 });
      const messages = await next;
      // Two publishers: no order between them.
      const payloads = messages.map((m) => JSON.parse(m.data as string) as { n: number });
      expect(payloads.sort((x, y) => x.n - y.n)).toEqual([{ n: 1 }, { n: 2 }]);
      if (adapter === 'streams') expect(messages.every((m) => typeof m.id === 'string')).toBe(true);
    });

    it('resumes an SSE stream from Last-Event-ID where the adapter keeps a log (streams)', async () => {
      const realtime = b.app.get(RealtimeService);
      const first = firstValueFrom(
        realtime.roomEvents('log').pipe(
          filter((m) => m.type === 'entry'),
          take(3),
          toArray(),
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      for (const n of [1, 2, 3]) a.app.get(RealtimeService).to('log').emit('entry', n);
      const seen = await first;
      if (adapter !== 'streams') {
        expect(seen.every((m) => m.id === undefined)).toBe(true); // no log to resume from
        return;
      }
      const resumed = await firstValueFrom(
        realtime.roomEvents('log', { lastEventId: seen[0].id }).pipe(
          filter((m) => m.type === 'entry'),
          take(2),
          toArray(),
        ),
      );
      expect(resumed.map((m) => JSON.parse(m.data as string))).toEqual([2, 3]);
      expect(resumed.map((m) => m.id)).toEqual([seen[1].id, seen[2].id]);
    });

    it('a graceful stop closes only its own sockets, so clients reconnect, after awaiting disconnect handlers', async () => {
      const stay = await connect(a.url, 'user:stay');
      const leave = await connect(b.url, 'user:leave');
      clients.push(stay, leave);
      const presence = a.app.get(PresenceService);
      await eventually(() => presence.isOnline('leave'), { what: 'leave online' });
      const reason = new Promise((resolve) => leave.once('disconnect', resolve));
      const leaveId = leave.id;
      await b.app.close();
      // Awaited: the 100 ms handler finished before close() resolved.
      expect(b.app.get(LiveGateway).disconnected).toContain(leaveId);
      // A transport close, not "io server disconnect": socket.io-client reconnects by itself (elsewhere, behind a LB).
      expect(await reason).toBe('transport close');
      expect(stay.connected).toBe(true);
      expect(await presence.isOnline('leave')).toBe(false);
      expect(await presence.isOnline('stay')).toBe(true);
    });

    it('closing the apps gives back every connection they opened (no open handles)', async () => {
      for (const client of clients.splice(0)) client.close();
      await Promise.all([a, b, emitOnly].map((n) => n.app.close()));
      await eventually(() => networkHandles() <= handlesBefore, {
        what: `network handles back to ${handlesBefore}`,
        timeoutMs: 5000,
      });
    });
  },
);

describe('RealtimeModule set-up', () => {
  it('stops start-up with the reason when main.ts replaces its IoAdapter', async () => {
    const { IoAdapter } = await import('@nestjs/platform-socket.io');
    const prefix = `t_${Math.random().toString(36).slice(2, 10)}`;
    const app = await NestFactory.create(appModule('redis', prefix, 'node-x', true), { logger: false });
    app.useWebSocketAdapter(new IoAdapter(app));
    await expect(app.init()).rejects.toThrow(/app.useWebSocketAdapter\(\) replaced the adapter/);
    await app.close();
    await cleanup(prefix);
  });
});
