/**
 * Throw from `authenticate` to refuse a socket with a message the client reads in `connect_error`
 * (`err.message`), and optional details (`err.data`). Any other error refuses it with `unauthorizedMessage`.
 */
export class SocketRefusedError extends Error {
  constructor(
    message: string,
    readonly data?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'SocketRefusedError';
  }
}
