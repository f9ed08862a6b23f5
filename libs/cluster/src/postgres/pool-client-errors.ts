import { Logger } from '@nestjs/common';

/** The `pg` client events this guard uses. */
interface PgClientEvents {
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** The `pg.Pool` events this guard uses (`connect`: a new client; `acquire`: a client checked out). */
export interface PgPoolEvents {
  on(event: 'connect' | 'acquire', listener: (client: PgClientEvents) => void): unknown;
}

const logger = new Logger('Shoal:Postgres');
const guardedPools = new WeakSet<object>();
const guardedClients = new WeakSet<object>();

function onClientError(error: Error): void {
  logger.debug(`a pooled Postgres connection failed: ${error.message}`);
}

function guard(client: PgClientEvents): void {
  if (guardedClients.has(client)) return;
  guardedClients.add(client);
  client.on('error', onClientError);
}

/**
 * Gives every client of `pool` a lasting `'error'` listener. `pg` emits `'error'` on a client whose server goes away
 * (a crash, a restart, `pg_terminate_backend`) while no query of it runs; a client that is checked out and idle
 * between two queries then has no pool listener, and an `'error'` event without a listener ends the process. With
 * the guard the error still fails any query in flight and reaches its holder's own listeners, and the pool discards
 * the broken client when it is released. Idempotent.
 */
export function guardPoolClients(pool: PgPoolEvents): void {
  if (guardedPools.has(pool)) return;
  guardedPools.add(pool);
  pool.on('connect', guard);
  pool.on('acquire', guard); // clients connected before the guard, when they are next checked out
}
