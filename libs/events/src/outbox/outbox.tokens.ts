/** Injection token of the `OutboxWriter` (undefined without Postgres). */
export const OUTBOX_WRITER = Symbol('shoal:outbox-writer');
