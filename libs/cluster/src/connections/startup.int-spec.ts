import { afterEach, describe, expect, it } from '@jest/globals';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PostgresServer, RedisServer, freePort } from '@shoal/testing';
import { ClusterModule } from '../cluster.module.js';
import type { ClusterModuleOptions } from '../cluster-options.js';
import { ClusterService } from '../cluster.service.js';

@Module({})
class StartupTestModule {}

function start(options: ClusterModuleOptions): Promise<INestApplicationContext> {
  return NestFactory.createApplicationContext(
    {
      module: StartupTestModule,
      imports: [
        ClusterModule.forRoot({
          nodeId: 'starter',
          heartbeatInterval: 100,
          failureTimeout: 1000,
          ...options,
        }),
      ],
    },
    { logger: false, abortOnError: false },
  );
}

describe('start-up while a store is not reachable yet', () => {
  let app: INestApplicationContext | undefined;
  let redis: RedisServer | undefined;
  let postgres: PostgresServer | undefined;

  afterEach(async () => {
    await app?.close();
    await redis?.destroy();
    await postgres?.stop();
    app = redis = postgres = undefined;
  });

  it('waits for a Redis that comes up within startupTimeout, then joins', async () => {
    const port = await freePort();
    const starting = start({ redis: `redis://127.0.0.1:${port}`, startupTimeout: 20_000 });
    setTimeout(() => void RedisServer.start({ port }).then((server) => (redis = server)), 1000);
    app = await starting;
    expect(app.get(ClusterService).isMember('starter')).toBe(true);
  });

  it('fails with an error naming the Redis address once startupTimeout has passed', async () => {
    const port = await freePort();
    await expect(start({ redis: `redis://127.0.0.1:${port}`, startupTimeout: 500 })).rejects.toThrow(
      new RegExp(`Redis at 127\\.0\\.0\\.1:${port} did not answer within 500 ms at start-up.*ECONNREFUSED`),
    );
  });

  it('waits for a PostgreSQL that comes up within startupTimeout', async () => {
    const port = await freePort();
    const starting = start({
      postgres: `postgres://postgres@127.0.0.1:${port}/postgres`,
      store: 'postgres',
      startupTimeout: 30_000,
    });
    postgres = await PostgresServer.start({ port });
    app = await starting;
    expect(app.get(ClusterService).isMember('starter')).toBe(true);
  });

  it('fails with an error naming the PostgreSQL address once startupTimeout has passed', async () => {
    const port = await freePort();
    await expect(
      start({
        postgres: `postgres://postgres@127.0.0.1:${port}/postgres`,
        store: 'postgres',
        startupTimeout: 500,
      }),
    ).rejects.toThrow(
      new RegExp(`PostgreSQL at 127\\.0\\.0\\.1:${port}/postgres did not answer within 500 ms`),
    );
  });
});
