import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Module, type INestApplicationContext, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClusterConnections, ClusterService } from '@shoal/cluster';
import { LeaderService } from '@shoal/leader';
import { RedisServer, eventually } from '@shoal/testing';
import { Redis } from 'ioredis';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { loadReadmeExample, readmeExamples, removeReadmeExamples } from './support/readme-examples.js';
import { DATABASE_URL } from './support/sample-nodes.js';

/**
 * The README's complete examples (blocks marked `<!-- readme-run: <name> -->`), run as written against a real
 * Redis and Postgres: a private Redis server and a private database, since the examples use Shoal's default prefix.
 * Each boots the example's `AppModule` with its services and checks one outcome the guide promises.
 */
const database = `readme_${Math.random().toString(36).slice(2, 10)}`;
const databaseUrl = (() => {
  const url = new URL(DATABASE_URL);
  url.pathname = `/${database}`;
  return url.toString();
})();

let redis: RedisServer;
let app: INestApplicationContext | undefined;

async function admin<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Boots the example as its reader would: its `AppModule` with the guide's services added to its providers (so they
 * see what the module's imports provide to it, such as a queue registered there).
 */
async function boot(
  example: Record<string, unknown>,
  services: string[] = [],
): Promise<INestApplicationContext> {
  const providers = services.map((name) => {
    const service = example[name];
    if (typeof service !== 'function') throw new Error(`the example exports no ${name}`);
    return service as Type;
  });
  const appModule = example.AppModule as Type;
  const metadata = (key: string) => (Reflect.getMetadata(key, appModule) as Type[] | undefined) ?? [];
  @Module({ imports: metadata('imports'), providers: [...metadata('providers'), ...providers] })
  class ReadmeApp {}
  app = await NestFactory.createApplicationContext(ReadmeApp, { logger: ['error', 'warn'] });
  return app;
}

/** Each example starts on an empty Redis and without Shoal's schema (`shoal`, the default prefix) in Postgres. */
async function closeApp(): Promise<void> {
  await app?.close();
  app = undefined;
  const client = new Redis(redis.url);
  try {
    await client.flushall();
  } finally {
    client.disconnect();
  }
  await admin(databaseUrl, (db) => db.query('DROP SCHEMA IF EXISTS shoal CASCADE'));
}

describe('README: the guides’ complete examples run as written against Redis and Postgres', () => {
  beforeAll(async () => {
    redis = await RedisServer.start({ persistent: false });
    await admin(DATABASE_URL, (client) => client.query(`CREATE DATABASE "${database}"`));
    // The examples read their connections from the environment, as the README says.
    process.env.REDIS_URL = redis.url;
    process.env.DATABASE_URL = databaseUrl;
    delete process.env.ROLE;
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await redis?.stop();
    await admin(DATABASE_URL, (client) =>
      client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`),
    ).catch(() => undefined);
    removeReadmeExamples();
  });

  it('marks the complete example of each guide', () => {
    expect([...readmeExamples().keys()].sort()).toEqual([
      'app',
      'cache',
      'cluster',
      'events',
      'jobs',
      'leader',
    ]);
  });

  it('ClusterModule in 5 minutes: the node joins its cluster on both connections', async () => {
    const example = await loadReadmeExample('cluster');
    const cluster = (await boot(example)).get(ClusterService);
    const connections = app!.get(ClusterConnections);
    expect([connections.hasRedis, connections.hasPostgres]).toEqual([true, true]);
    expect(cluster.members().map((m) => m.id)).toContain(cluster.self.id);
    await closeApp();
  });

  it('LeaderModule in 5 minutes: the only node becomes the leader', async () => {
    const example = await loadReadmeExample('leader');
    const leader = (await boot(example)).get(LeaderService);
    await eventually(() => leader.isLeader(), { what: 'the node leading', timeoutMs: 15_000 });
    await closeApp();
  });

  it('EventBusModule in 5 minutes: an order placed in its transaction books its revenue through the handler', async () => {
    const example = await loadReadmeExample('events', ['revenue.entity.ts']);
    await boot(example, ['OrdersService', 'OrderHandlers']);
    const orders = app!.get(
      example.OrdersService as Type<{ placeOrder(userId: string, total: number): Promise<{ id: string }> }>,
    );
    const order = await orders.placeOrder('ada', 42);
    const db = app!.get(DataSource);
    const revenue = () => db.getRepository(example.Revenue as Type<{ orderId: string }>).find();
    await eventually(async () => (await revenue()).length > 0, {
      what: 'the revenue booked',
      timeoutMs: 20_000,
    });
    expect(await revenue()).toEqual([{ orderId: order.id, amount: '42' }]);
    await closeApp();
  });

  it('JobsModule in 5 minutes: a receipt enqueued directly and one through the outbox are both mailed', async () => {
    const example = await loadReadmeExample('jobs', ['mailer.service.ts']);
    await boot(example, ['EmailProcessor', 'Receipts', 'MailerService']);
    const mailer = app!.get(
      example.MailerService as Type<{ send(to: string, subject: string): Promise<void> }>,
    );
    const sent: string[] = [];
    mailer.send = async (to, subject) => {
      sent.push(`${to}: ${subject}`);
    };
    const receipts = app!.get(
      example.Receipts as Type<{
        send(orderId: string, to: string): Promise<unknown>;
        sendOnCommit(orderId: string, to: string): Promise<unknown>;
      }>,
    );
    const direct = '0193a1c2-0000-7000-8000-000000000001';
    const onCommit = '0193a1c2-0000-7000-8000-000000000002';
    await receipts.send(direct, 'ada@example.com');
    await receipts.sendOnCommit(onCommit, 'bob@example.com');
    await eventually(() => sent.length === 2, { what: 'both receipts mailed', timeoutMs: 20_000 });
    expect(sent.sort()).toEqual([
      `ada@example.com: Receipt for ${direct}`,
      `bob@example.com: Receipt for ${onCommit}`,
    ]);
    await closeApp();
  });

  it('A whole app, module by module (isGlobal: false): a sign-up reaches the WorkerHost through @OnEvent and @InjectQueue, and the @Cron singleton runs', async () => {
    const example = await loadReadmeExample('app');
    await boot(example);
    const users = app!.get(example.UsersService as Type<{ signUp(email: string): Promise<unknown> }>, {
      strict: false,
    });
    const processor = app!.get(example.WelcomeProcessor as Type<{ sent: string[] }>, { strict: false });
    const digest = app!.get(example.Digest as Type<{ runs: number }>, { strict: false });
    await users.signUp('ada@example.com');
    await eventually(() => processor.sent.length > 0, { what: 'the welcome mail sent', timeoutMs: 20_000 });
    expect(processor.sent).toEqual(['ada@example.com']);
    await eventually(() => digest.runs > 0, { what: 'the digest singleton run', timeoutMs: 20_000 });
    await closeApp();
  });

  it('CacheModule in 5 minutes: a flag read through the cache shows the write that invalidated it', async () => {
    await admin(databaseUrl, async (client) => {
      await client.query('CREATE TABLE flags (name text PRIMARY KEY, enabled boolean NOT NULL)');
      await client.query(`INSERT INTO flags VALUES ('beta', false)`);
    });
    const example = await loadReadmeExample('cache');
    await boot(example, ['FlagsService']);
    const flags = app!.get(
      example.FlagsService as Type<{
        read(name: string): Promise<{ name: string; enabled: boolean }>;
        write(name: string, enabled: boolean): Promise<void>;
      }>,
    );
    expect(await flags.read('beta')).toEqual({ name: 'beta', enabled: false });
    expect(await flags.read('beta')).toEqual({ name: 'beta', enabled: false }); // from the cache now
    await flags.write('beta', true);
    expect(await flags.read('beta')).toEqual({ name: 'beta', enabled: true });
    await closeApp();
  });
});
