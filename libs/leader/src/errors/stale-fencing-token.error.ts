/**
 * A fenced write was refused: a newer holder of the resource already wrote with a higher token, so this caller was
 * deposed (paused, partitioned or too slow) and its write would have overwritten newer state.
 */
export class StaleFencingTokenError extends Error {
  constructor(
    readonly resource: string,
    readonly token: number,
  ) {
    super(`fenced write to "${resource}" refused: token ${token} is older than the latest accepted one`);
    this.name = 'StaleFencingTokenError';
  }
}
