/** The reason a lock's `AbortSignal` fires: it could not be extended and may now be held by someone else. */
export class LockLostError extends Error {
  constructor(
    readonly key: string,
    readonly token: number,
  ) {
    super(`lock "${key}" (token ${token}) could not be extended and may have expired`);
    this.name = 'LockLostError';
  }
}
