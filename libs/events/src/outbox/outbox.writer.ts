import type { EntityManager } from 'typeorm';
import type { EventEnvelope } from '../envelope/event-envelope.js';
import { OutboxRequiresTransactionError } from '../errors/outbox-requires-transaction.error.js';
import { outboxChannel } from './outbox-schema.js';

/** Writes envelopes to the outbox inside the caller's transaction; the relay is woken when it commits. */
export class OutboxWriter {
  private readonly table: string;
  private readonly channel: string;

  constructor(schema: string) {
    this.table = `"${schema}"."outbox"`;
    this.channel = outboxChannel(schema);
  }

  async write(manager: EntityManager, envelopes: readonly EventEnvelope[]): Promise<void> {
    if (!manager.queryRunner?.isTransactionActive) throw new OutboxRequiresTransactionError();
    await manager.query(
      `INSERT INTO ${this.table} (event_id, type, aggregate_id, envelope)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[])`,
      [
        envelopes.map((e) => e.id),
        envelopes.map((e) => e.type),
        envelopes.map((e) => e.aggregateId ?? null),
        envelopes.map((e) => JSON.stringify(e)),
      ],
    );
    // Delivered only on commit (and folded into one per transaction): the relay wakes right after it.
    await manager.query(`SELECT pg_notify($1, '')`, [this.channel]);
  }
}
