import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A row of the transactional outbox (`shoal.outbox` with the default prefix). Add it to your TypeORM `entities`
 * (or run `ShoalOutboxMigration`) so your migrations know the table; Shoal writes and reads it with plain SQL.
 */
@Entity({ name: 'outbox', schema: 'shoal' })
@Index('outbox_unpublished', ['id'], { where: 'published_at IS NULL' })
@Index('outbox_aggregate_unpublished', ['aggregateId', 'id'], { where: 'published_at IS NULL' })
export class OutboxMessage {
  /** Relay order. */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  /** The event id: stable from here to every handler, job and webhook. */
  @Column({ name: 'event_id', type: 'uuid', unique: true })
  eventId!: string;

  @Column({ type: 'text' })
  type!: string;

  @Column({ name: 'aggregate_id', type: 'text', nullable: true })
  aggregateId!: string | null;

  /** The whole `EventEnvelope`. */
  @Column({ type: 'jsonb' })
  envelope!: unknown;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Index('outbox_published_at')
  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt!: Date | null;
}
