/**
 * `streams.waitReplicas` is set and fewer Redis replicas than that confirmed an event within `streams.waitTimeout`:
 * the event may be lost if the master fails now. Through the outbox the rows stay unpublished and are sent again
 * (at-least-once, so handlers may see them twice); a direct `publish` rejects and the caller decides.
 */
export class EventNotReplicatedError extends Error {
  /** HTTP status `ShoalExceptionFilter` answers with. */
  readonly httpStatus = 503;

  constructor(
    readonly stream: string,
    readonly replicas: number,
    readonly required: number,
    readonly timeoutMs: number,
  ) {
    super(
      `events on ${stream} reached ${replicas} of the ${required} Redis replica(s) streams.waitReplicas asks for ` +
        `within ${timeoutMs} ms: check the replicas, or lower streams.waitReplicas`,
    );
    this.name = 'EventNotReplicatedError';
  }
}
