import { Logger } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { SocketRefusedError } from '../errors/socket-refused.error.js';
import type { RealtimeAuthenticate } from '../realtime-options.js';

/** A `connect_error` the client reads: `err.message`, and `err.data` when given. */
class ClientError extends Error {
  constructor(
    message: string,
    readonly data?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** Why a handshake was refused (metrics label). */
export type RefusalReason = 'unauthorized' | 'error' | 'shutting_down';

/**
 * The `io.use` middleware of every namespace: refuses new sockets while the replica shuts down, then runs
 * `authenticate` and keeps the user on `socket.data.user`. A refused socket gets a `connect_error` whose message
 * the client can read; the error behind a failed `authenticate` is logged here, never sent to the client.
 */
export function authenticateMiddleware(options: {
  authenticate?: RealtimeAuthenticate;
  unauthorizedMessage: string;
  accepting: () => boolean;
  onRefused: (reason: RefusalReason) => void;
}) {
  const logger = new Logger('Shoal:Realtime');
  return (socket: Socket, next: (error?: Error) => void): void => {
    if (!options.accepting()) {
      options.onRefused('shutting_down');
      return next(new ClientError('server shutting down', { retry: true }));
    }
    const authenticate = options.authenticate;
    if (!authenticate) return next();
    Promise.resolve()
      .then(() => authenticate(socket.handshake))
      .then(
        (user) => {
          if (!user || typeof user.id !== 'string' || user.id.length === 0) {
            options.onRefused('unauthorized');
            return next(new ClientError(options.unauthorizedMessage));
          }
          (socket.data as Record<string, unknown>).user = user;
          next();
        },
        (error: unknown) => {
          if (error instanceof SocketRefusedError) {
            options.onRefused('unauthorized');
            return next(new ClientError(error.message, error.data));
          }
          options.onRefused('error');
          logger.warn(`authenticate threw; socket refused as unauthorized: ${String(error)}`);
          next(new ClientError(options.unauthorizedMessage));
        },
      );
  };
}
