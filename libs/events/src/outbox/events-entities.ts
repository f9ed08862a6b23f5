import { EntitySchema } from 'typeorm';

/**
 * TypeORM definitions of every table EventBusModule keeps in `<prefix>` (`outbox`, `outbox_epoch`, `event_inbox`),
 * for an app whose TypeORM migrations or `synchronize` should know them:
 *
 * ```ts
 * TypeOrmModule.forRoot({ ..., entities: [Order, ...eventsEntities('billing')] })
 * ```
 * Shoal itself reads and writes them with plain SQL, and creates them at start-up unless
 * `outbox: { createTable: false }`. `OutboxMessage` is the same `outbox` table as a class, for the default prefix.
 */
export function eventsEntities(prefix = 'shoal'): EntitySchema[] {
  const name = (table: string) => `Shoal_${prefix}_${table}`;
  return [
    new EntitySchema({
      name: name('outbox'),
      tableName: 'outbox',
      schema: prefix,
      columns: {
        id: { type: 'bigint', primary: true, generated: 'increment' },
        eventId: { name: 'event_id', type: 'uuid', unique: true },
        type: { type: 'text' },
        aggregateId: { name: 'aggregate_id', type: 'text', nullable: true },
        envelope: { type: 'jsonb' },
        createdAt: { name: 'created_at', type: 'timestamptz', default: () => 'now()' },
        publishedAt: { name: 'published_at', type: 'timestamptz', nullable: true },
      },
      indices: [
        { name: 'outbox_unpublished', columns: ['id'], where: 'published_at IS NULL' },
        {
          name: 'outbox_aggregate_unpublished',
          columns: ['aggregateId', 'id'],
          where: 'published_at IS NULL',
        },
        { name: 'outbox_published_at', columns: ['publishedAt'], where: 'published_at IS NOT NULL' },
      ],
    }),
    new EntitySchema({
      name: name('outbox_epoch'),
      tableName: 'outbox_epoch',
      schema: prefix,
      columns: {
        id: { type: 'smallint', primary: true },
        redisEpoch: { name: 'redis_epoch', type: 'text' },
        changedAt: { name: 'changed_at', type: 'timestamptz', default: () => 'now()' },
      },
    }),
    new EntitySchema({
      name: name('event_inbox'),
      tableName: 'event_inbox',
      schema: prefix,
      columns: {
        handler: { type: 'text', primary: true },
        eventId: { name: 'event_id', type: 'uuid', primary: true },
        handledAt: { name: 'handled_at', type: 'timestamptz', default: () => 'now()' },
      },
      indices: [{ name: 'event_inbox_handled_at', columns: ['handledAt'] }],
    }),
  ];
}
