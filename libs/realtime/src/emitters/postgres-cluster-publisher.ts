import { Logger } from '@nestjs/common';
import { encode } from '@msgpack/msgpack';
import type { Pool } from 'pg';
import type { ClusterWireMessage } from './cluster-message-emitter.js';

/** The Postgres adapter's size limit for an inline NOTIFY payload. */
const PAYLOAD_THRESHOLD = 8000;

/**
 * Publishes `ClusterMessageEmitter` messages the way the Postgres adapter expects: `pg_notify` on
 * `<channelPrefix>#<namespace>` with the message as JSON, or, above 8,000 bytes, the message as MessagePack in the
 * attachments table and a `{ uid, type, attachmentId }` notification.
 *
 * (`@socket.io/postgres-emitter` 0.1 leaves `nsp` out of its messages, and `@socket.io/postgres-adapter` 0.5 routes
 * and filters by it, so the two do not work together; this speaks the adapter's current format.)
 */
export function postgresClusterPublisher(
  pool: Pool,
  options: { channelPrefix: string; tableName: string },
): (message: ClusterWireMessage) => void {
  const logger = new Logger('Shoal:Realtime');
  const publish = async (message: ClusterWireMessage): Promise<void> => {
    const channel = `${options.channelPrefix}#${message.nsp}`;
    const payload = JSON.stringify(message);
    if (Buffer.byteLength(payload) <= PAYLOAD_THRESHOLD) {
      await pool.query('SELECT pg_notify($1, $2)', [channel, payload]);
      return;
    }
    const result = await pool.query<{ id: string }>(
      `INSERT INTO ${options.tableName} (payload) VALUES ($1) RETURNING id`,
      [Buffer.from(encode(message))],
    );
    const header = JSON.stringify({ uid: message.uid, type: message.type, attachmentId: result.rows[0].id });
    await pool.query('SELECT pg_notify($1, $2)', [channel, header]);
  };
  return (message) =>
    void publish(message).catch((error: unknown) => logger.warn(`emit not sent: ${String(error)}`));
}
