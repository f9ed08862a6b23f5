/**
 * An event on the wire: its identity and metadata, and the validated payload. The id is stable from the outbox row
 * onward (a redelivery carries the same id), so it is the idempotency key of handlers, jobs and webhooks.
 */
export interface EventEnvelope {
  /** Unique id (UUID v7: time-ordered). */
  readonly id: string;
  /** Stable type name from `@IntegrationEvent('order.placed')`. */
  readonly type: string;
  readonly version: number;
  /** ISO time the event was published (or written to the outbox). */
  readonly occurredAt: string;
  /** Node id of the publisher. */
  readonly source: string;
  /** Events of one aggregate keep their order (see ordered handlers). */
  readonly aggregateId?: string;
  /** The flow this event belongs to (defaults to the id of the first event of the flow). */
  readonly correlationId: string;
  /** The event that caused this one, when published from a handler. */
  readonly causationId?: string;
  /** Trace context (`traceparent`, `tracestate`, `baggage`) and other string headers. */
  readonly headers: Readonly<Record<string, string>>;
  readonly payload: unknown;
}
