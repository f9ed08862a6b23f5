/** A job's data does not match the schema registered for its queue and name; nothing was enqueued. */
export class JobValidationError extends Error {
  /** HTTP status `ShoalExceptionFilter` answers with. */
  readonly httpStatus = 400;

  constructor(
    readonly queue: string,
    readonly job: string,
    readonly issues: readonly string[],
  ) {
    super(`job "${job}" on queue "${queue}" is invalid: ${issues.join('; ')}`);
    this.name = 'JobValidationError';
  }
}
