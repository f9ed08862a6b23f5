import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClusterModule } from '@shoal/cluster';
import {
  EventBus,
  EventBusModule,
  IntegrationEvent,
  OnEvent,
  eventsEntities,
  type TransactionalEventContext,
} from '@shoal/events';
import { eventually } from '@shoal/testing';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { Column, DataSource, Entity, PrimaryColumn } from 'typeorm';
import { z } from 'zod';
import { DATABASE_URL, REDIS_URL } from './support/sample-nodes.js';

const prefix = `e2e_${Math.random().toString(36).slice(2, 10)}`;

@Entity({ name: 'invoices', schema: prefix })
class Invoice {
  @PrimaryColumn('uuid') id!: string;
  @Column('int') amount!: number;
}

@IntegrationEvent('invoice.issued', { schema: z.object({ invoiceId: z.uuid(), amount: z.number().int() }) })
class InvoiceIssued {
  constructor(
    readonly invoiceId: string,
    readonly amount: number,
  ) {}
}

/** The app's own service: its own DataSource (from @nestjs/typeorm), its own transaction, Shoal's outbox inside it. */
@Injectable()
class Invoices {
  constructor(
    private readonly dataSource: DataSource,
    private readonly bus: EventBus,
  ) {}

  issue(amount: number, rollBack = false): Promise<string> {
    return this.dataSource.transaction(async (manager) => {
      const invoice = manager.create(Invoice, { id: randomUUID(), amount });
      await manager.save(invoice);
      await this.bus.publish(new InvoiceIssued(invoice.id, amount), { manager });
      if (rollBack) throw new Error('rolled back on purpose');
      return invoice.id;
    });
  }
}

@Injectable()
class Ledger {
  readonly booked: string[] = [];

  @OnEvent(InvoiceIssued, { group: 'ledger', idempotent: 'postgres' })
  async book(event: InvoiceIssued, { manager }: TransactionalEventContext): Promise<void> {
    await manager.query('SELECT 1'); // the inbox transaction, on the same DataSource
    this.booked.push(event.invoiceId);
  }
}

@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      ignoreEnvFile: true,
      load: [() => ({ DATABASE_URL, REDIS_URL })],
    }),
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        type: 'postgres' as const,
        url: config.getOrThrow<string>('DATABASE_URL'),
        entities: [Invoice, ...eventsEntities(prefix)],
        synchronize: true,
      }),
    }),
    ClusterModule.forRootAsync({
      inject: [DataSource, ConfigService],
      useFactory: (dataSource: DataSource, config: ConfigService) => ({
        redis: config.getOrThrow<string>('REDIS_URL'),
        postgres: dataSource,
        prefix,
        nodeId: 'typeorm-app',
      }),
    }),
    EventBusModule.forRoot(),
  ],
  providers: [Invoices, Ledger],
})
class TypeOrmApp {}

describe('an app that wires TypeORM the Nest way (@nestjs/typeorm + @nestjs/config)', () => {
  let app: INestApplicationContext;

  beforeAll(async () => {
    // The schema the app's entities live in; TypeORM's synchronize creates the tables (Shoal's included).
    const setup = new DataSource({ type: 'postgres', url: DATABASE_URL });
    await setup.initialize();
    await setup.query(`CREATE SCHEMA IF NOT EXISTS "${prefix}"`);
    await setup.destroy();
    app = await NestFactory.createApplicationContext(TypeOrmApp, { logger: ['error', 'warn'] });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    const dataSource = new DataSource({ type: 'postgres', url: DATABASE_URL });
    await dataSource.initialize();
    await dataSource.query(`DROP SCHEMA IF EXISTS "${prefix}" CASCADE`);
    await dataSource.destroy();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }, 30_000);

  it("publishes in the app's own transaction: committed → handled, rolled back → never", async () => {
    const invoices = app.get(Invoices);
    const ledger = app.get(Ledger);
    const committed = await invoices.issue(42);
    await expect(invoices.issue(7, true)).rejects.toThrow('rolled back on purpose');
    await eventually(() => ledger.booked.includes(committed), {
      what: 'the committed invoice booked',
      timeoutMs: 15_000,
    });
    // Both published rows are in the outbox of the app's DataSource: the committed one only, and it is published.
    const rows = (await app
      .get(DataSource)
      .query(
        `SELECT envelope->'payload'->>'amount' AS amount, published_at IS NOT NULL AS published FROM "${prefix}".outbox`,
      )) as {
      amount: string;
      published: boolean;
    }[];
    expect(rows).toEqual([{ amount: '42', published: true }]);
    expect(ledger.booked).toEqual([committed]);
  });
});
