/** An event's serialized payload exceeds `maxPayloadBytes`; nothing was published or written. */
export class EventPayloadTooLargeError extends Error {
  /** HTTP status `ShoalExceptionFilter` answers with. */
  readonly httpStatus = 413;

  constructor(
    readonly type: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(
      `event "${type}" is ${bytes} bytes, over the ${limit}-byte limit (maxPayloadBytes): ` +
        'publish a reference (an id or a URL) instead of the data',
    );
    this.name = 'EventPayloadTooLargeError';
  }
}
