/**
 * The reason an `AbortSignal` of a lease term fires: the lease was lost (not renewed in time, taken over, or handed
 * back at shutdown). Work started under the lease must stop; writes must be fenced by the term's token.
 */
export class LeaseLostError extends Error {
  constructor(
    readonly lease: string,
    readonly token: number,
    readonly reason: 'expired' | 'taken' | 'released' | 'shutdown',
  ) {
    super(`lease "${lease}" (token ${token}) lost: ${reason}`);
    this.name = 'LeaseLostError';
  }
}
