import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxyFactory, Transport, type ClientProxy } from '@nestjs/microservices';
import { ClusterModule } from '@shoal/cluster';
import { LeaderModule } from '@shoal/leader';
import { MessagingModule, ShardsService, ShoalClient, ShoalRecordBuilder } from '@shoal/messaging';
import { eventually } from '@shoal/testing';
import { fork } from 'node:child_process';
import { resolve } from 'node:path';
import { Registry } from 'prom-client';
import { firstValueFrom } from 'rxjs';
import type { Contestant, MetricSamples } from '../harness/interleave.js';
import type { Scope } from '../harness/scope.js';
import { percentile } from '../harness/stats.js';
import { randomPrefix } from './membership-nodes.js';

/** Shape of one messaging turn. */
export interface MessagingTurn {
  readonly contestant: Contestant;
  readonly redisUrl: string;
  /** Requests one at a time (after as many warm-up requests), for the RTT percentiles. */
  readonly sequential: number;
  /** Requests with `concurrency` in flight, for the throughput. */
  readonly requests: number;
  readonly concurrency: number;
  /** Entity requests (shoal only) over `keys` keys on 3 server processes. */
  readonly entityRequests: number;
  readonly keys: number;
}

const SERVER = resolve(import.meta.dirname, '../fixtures/messaging-server.js');
const PAYLOAD = { id: 'order-1', total: 42, items: ['a', 'b', 'c'] };

@Module({})
class ClientModule {}

async function startServer(mode: Contestant, redisUrl: string, prefix: string, nodeId: string, scope: Scope) {
  const child = fork(SERVER, [], {
    env: { ...process.env, MODE: mode, REDIS_URL: redisUrl, PREFIX: prefix, NODE_ID: nodeId },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  scope.track(child, async (c) => c.kill('SIGKILL'));
  await new Promise<void>((ready, fail) => {
    child.once('exit', (code) => fail(new Error(`messaging server exited with ${code}`)));
    child.on('message', (message: { ready?: boolean }) => message.ready && ready());
  });
  return child;
}

/** `count` calls of `call`, `concurrency` at a time; resolves with calls per second. */
async function throughput(count: number, concurrency: number, call: (i: number) => Promise<unknown>) {
  let next = 0;
  const began = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await call(next++);
    }),
  );
  return count / ((performance.now() - began) / 1000);
}

/** Round-trip times (µs) of `count` calls one at a time, after as many warm-up calls. */
async function roundTrips(count: number, call: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < count; i++) await call();
  const rtt: number[] = [];
  for (let i = 0; i < count; i++) {
    const began = performance.now();
    await call();
    rtt.push((performance.now() - began) * 1000);
  }
  return rtt;
}

/**
 * One turn: request/response RTT and throughput between this process and one server process; for shoal also the
 * entity throughput with two more server processes (3 shard owners).
 */
export async function messagingTurn(turn: MessagingTurn, parent: Scope): Promise<MetricSamples> {
  return parent.child(async (scope): Promise<MetricSamples> => {
    const prefix = randomPrefix();
    await startServer(turn.contestant, turn.redisUrl, prefix, 'server-1', scope);
    if (turn.contestant === 'raw') {
      const url = new URL(turn.redisUrl);
      const client: ClientProxy = ClientProxyFactory.create({
        transport: Transport.REDIS,
        options: { host: url.hostname, port: Number(url.port) },
      });
      scope.track(client, async (c) => c.close());
      await client.connect();
      const echo = () => firstValueFrom(client.send('echo', PAYLOAD));
      const rtt = await roundTrips(turn.sequential, echo);
      const ops = await throughput(turn.requests, turn.concurrency, echo);
      return {
        rtt_us: rtt,
        rtt_p50_us: [percentile(rtt, 50)],
        rtt_p99_us: [percentile(rtt, 99)],
        ops: [ops],
      };
    }
    const app = await NestFactory.createApplicationContext(
      {
        module: ClientModule,
        imports: [
          ClusterModule.forRoot({
            redis: turn.redisUrl,
            prefix,
            nodeId: 'bench-client',
            metricsRegistry: new Registry(),
          }),
          LeaderModule.forRoot(),
          MessagingModule.forRoot(),
        ],
      },
      { logger: ['error', 'warn'] },
    );
    scope.track(app, async (a) => a.close());
    const client = app.get(ShoalClient);
    const echo = () => firstValueFrom(client.send('echo', PAYLOAD));
    await eventually(() => echo().then(() => true), { timeoutMs: 15_000, what: 'the echo server' });
    const rtt = await roundTrips(turn.sequential, echo);
    const ops = await throughput(turn.requests, turn.concurrency, echo);

    await Promise.all(
      ['server-2', 'server-3'].map((id) => startServer('shoal', turn.redisUrl, prefix, id, scope)),
    );
    const shards = app.get(ShardsService);
    await eventually(
      async () => {
        const { owners } = await shards.ownership();
        const held = Object.values(owners).reduce((a, b) => a + b, 0);
        return Object.keys(owners).length === 3 && held === shards.count;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'shards spread over 3 servers' },
    );
    const bump = (i: number) =>
      firstValueFrom(
        client.send(
          'bump',
          new ShoalRecordBuilder({ n: i })
            .toEntity('counter', `key-${i % turn.keys}`)
            .setTimeout(30_000)
            .build(),
        ),
      );
    const entityOps = await throughput(turn.entityRequests, turn.concurrency, bump);
    return {
      rtt_us: rtt,
      rtt_p50_us: [percentile(rtt, 50)],
      rtt_p99_us: [percentile(rtt, 99)],
      ops: [ops],
      entity_ops: [entityOps],
    };
  });
}
