/** An event payload does not match its schema (at publish, or on receipt — then it is dead-lettered at once). */
export class EventValidationError extends Error {
  /** HTTP status `ShoalExceptionFilter` answers with. */
  readonly httpStatus = 400;

  constructor(
    readonly type: string,
    readonly issues: readonly string[],
  ) {
    super(`event "${type}" is invalid: ${issues.join('; ')}`);
    this.name = 'EventValidationError';
  }
}
