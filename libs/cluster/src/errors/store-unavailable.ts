/** Node socket errors that mean the server is not reachable right now. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * PostgreSQL SQLSTATEs of an unavailable server: class 08 (connection exception), 57P01-57P03 (shut down by the
 * administrator, crash recovery, starting up) and 53300 (too many connections).
 */
const POSTGRES_CODES = /^(08\d{3}|57P0[123]|53300)$/;

/** Messages of pg, typeorm and ioredis when the server went away under a request. */
const MESSAGES =
  /Connection terminated|terminating connection|timeout exceeded when trying to connect|not queryable|Connection is closed|max retries per request|Stream isn't writeable|the database system is (starting up|shutting down)/i;

/** TypeORM's errors for a transaction whose connection broke under it (the runner was released by the driver). */
const NAMES = new Set(['QueryRunnerAlreadyReleasedError', 'QueryRunnerProviderAlreadyReleasedError']);

/**
 * Whether `error` says Redis or PostgreSQL is unreachable right now (as opposed to a bad query or bad data): a
 * retry later can succeed. Looks through TypeORM's `driverError` and `cause`.
 */
export function isStoreUnavailableError(error: unknown): boolean {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 4; depth += 1) {
    const { code, message, name } = current as { code?: unknown; message?: unknown; name?: unknown };
    if (typeof name === 'string' && NAMES.has(name)) return true;
    if (typeof code === 'string' && (SOCKET_CODES.has(code) || POSTGRES_CODES.test(code))) return true;
    if (typeof message === 'string' && MESSAGES.test(message)) return true;
    const next = current as { driverError?: unknown; cause?: unknown };
    current = next.driverError ?? next.cause;
  }
  return false;
}
