/** `enqueue` refused: the queue already holds `maxWaiting` jobs waiting or delayed. Back off and try later. */
export class QueueFullError extends Error {
  /** HTTP status `ShoalExceptionFilter` answers with (Too Many Requests: back off). */
  readonly httpStatus = 429;

  constructor(
    readonly queue: string,
    readonly waiting: number,
    readonly maxWaiting: number,
  ) {
    super(`queue "${queue}" is full: ${waiting} jobs waiting (maxWaiting ${maxWaiting}); retry later`);
    this.name = 'QueueFullError';
  }
}
