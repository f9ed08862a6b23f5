import { Inject, Injectable } from '@nestjs/common';
import { ClusterService, RequestContext } from '@shoal/cluster';
import type { EntityManager } from 'typeorm';
import type { EventEnvelope } from './envelope/event-envelope.js';
import { uuidv7 } from './envelope/uuid-v7.js';
import { EventPayloadTooLargeError } from './errors/event-payload-too-large.error.js';
import type { EventsConfig } from './events-config.js';
import { EVENT_TRANSPORT, EVENTS_CONFIG } from './events.constants.js';
import { EventsMetrics } from './events.metrics.js';
import { eventDefinitionOf, toPayload } from './integration-event.decorator.js';
import { OUTBOX_WRITER } from './outbox/outbox.tokens.js';
import type { OutboxWriter } from './outbox/outbox.writer.js';
import type { EventTransport } from './transport/event-transport.js';

/** Options of `EventBus.publish`. */
export interface PublishOptions {
  /**
   * An `EntityManager` inside a transaction: the events go to the outbox in that transaction and are published
   * only if it commits. Without it, they go straight to the transport.
   */
  manager?: EntityManager;
  /** Events with the same aggregate id reach ordered handlers in publish order. */
  aggregateId?: string;
  /** The flow these events belong to (default: the first event's id, or the handled event's correlation id). */
  correlationId?: string;
  /** The event that caused these (pass `context.envelope.id` when publishing from a handler). */
  causationId?: string;
  /** Extra headers; W3C trace context (`traceparent`, `tracestate`, `baggage`) travels with the event. */
  headers?: Record<string, string>;
}

/**
 * Publishes integration events to every node's handlers.
 *
 * Guarantee: an event published with `{ manager }` in a transaction that commits is delivered to every group
 * handler at least once, even if any node is killed at any moment; if the transaction rolls back, it is never
 * delivered. Payloads are validated and size-checked before anything is written.
 */
@Injectable()
export class EventBus {
  constructor(
    @Inject(EVENTS_CONFIG) private readonly config: EventsConfig,
    @Inject(EVENT_TRANSPORT) private readonly transport: EventTransport,
    @Inject(OUTBOX_WRITER) private readonly outbox: OutboxWriter | undefined,
    private readonly cluster: ClusterService,
    private readonly metrics: EventsMetrics,
  ) {}

  /**
   * Publishes one event or several (kept in order).
   * @returns the envelopes, with their ids.
   * @throws EventValidationError, EventPayloadTooLargeError, UnknownEventError (before anything is written);
   *   OutboxRequiresTransactionError when `manager` is not in a transaction.
   */
  async publish(events: object | readonly object[], options: PublishOptions = {}): Promise<EventEnvelope[]> {
    const list = Array.isArray(events) ? (events as readonly object[]) : [events];
    const envelopes = this.envelop(list, options);
    if (envelopes.length === 0) return envelopes;
    const via = options.manager ? 'outbox' : 'direct';
    if (options.manager && this.transport.publishWithin) {
      await this.transport.publishWithin(options.manager, envelopes);
    } else if (options.manager) {
      if (!this.outbox)
        throw new Error('publishing through the outbox needs a Postgres connection in ClusterModule');
      await this.outbox.write(options.manager, envelopes);
    } else {
      await this.transport.publish(envelopes);
    }
    for (const envelope of envelopes) this.publishedCounter(envelope.type, via).inc();
    return envelopes;
  }

  private readonly counters = new Map<string, { inc(): void }>();

  /** The label-bound counter (cached: prom-client label lookups cost more than the increment). */
  private publishedCounter(type: string, via: string): { inc(): void } {
    const key = `${type} ${via}`;
    let counter = this.counters.get(key);
    if (!counter) this.counters.set(key, (counter = this.metrics.published.labels({ type, via })));
    return counter;
  }

  private envelop(events: readonly object[], options: PublishOptions): EventEnvelope[] {
    const occurredAt = new Date().toISOString();
    const headers = { ...options.headers };
    let correlationId = options.correlationId ?? RequestContext.correlationId();
    return events.map((event) => {
      const definition = eventDefinitionOf(event);
      const payload = toPayload(definition, event);
      const bytes = Buffer.byteLength(JSON.stringify(payload) ?? '');
      if (bytes > this.config.maxPayloadBytes) {
        throw new EventPayloadTooLargeError(definition.type, bytes, this.config.maxPayloadBytes);
      }
      const id = uuidv7();
      correlationId ??= id;
      return {
        id,
        type: definition.type,
        version: definition.version,
        occurredAt,
        source: this.cluster.self.id,
        aggregateId: options.aggregateId,
        correlationId,
        causationId: options.causationId,
        headers,
        payload,
      };
    });
  }
}
