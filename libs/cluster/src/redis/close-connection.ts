import { Cluster } from 'ioredis';
import { withTimeout } from '../with-timeout.js';
import type { RedisClient } from './redis-client.js';

/** How long a graceful `QUIT` may take before the connection is dropped. */
const QUIT_TIMEOUT_MS = 2000;

/**
 * Stops ioredis from re-subscribing `client` the next time it becomes ready. ioredis sends that `SUBSCRIBE` with no
 * rejection handler: when a close begins while the connection is reconnecting, the reply to its ready check can
 * still arrive, the re-subscription goes out on the closing socket and is rejected ("Connection is closed."), and
 * Node ends the process on the unhandled rejection.
 */
function stopResubscribing(client: RedisClient): void {
  const connections = client instanceof Cluster ? client.nodes() : [client];
  for (const connection of connections) connection.options.autoResubscribe = false;
}

/**
 * Drops a connection Shoal opened at once: its pending commands reject, and nothing is left behind that could
 * reject unhandled later.
 */
export function dropConnection(client: RedisClient): void {
  stopResubscribing(client);
  client.disconnect();
}

/**
 * Closes a connection Shoal opened gracefully (`QUIT`: replies already on their way arrive first), and drops it if
 * that takes longer than `timeoutMs`. Never rejects, and leaves nothing behind that could reject unhandled later.
 */
export async function closeConnection(client: RedisClient, timeoutMs = QUIT_TIMEOUT_MS): Promise<void> {
  stopResubscribing(client);
  await withTimeout(client.quit(), timeoutMs, 'redis quit').catch(() => client.disconnect());
}
