import { DiscoveryService } from '@nestjs/core';
import { eventDefinitionOf, type EventClass } from '../integration-event.decorator.js';
import type { EventScope } from '../transport/event-transport.js';

/** Options of `@OnEvent`. Unset ones come from `EventBusModule` `handlers` defaults. */
export interface OnEventOptions {
  /**
   * `group` (default): one consumer group per handler — each event is handled once per handler across the
   * cluster. `broadcast`: every node's handler gets every event (cache invalidation, socket push).
   */
  scope?: EventScope;
  /** Attempts before the event is dead-lettered (default 5). */
  maxAttempts?: number;
  /** Backoff between attempts (default 200 ms doubling to 10 s, ±20 % jitter). */
  backoff?: { initialDelay?: number; maxDelay?: number };
  /**
   * Dedupe by event id: `true` / `'redis'` keeps handled ids in Redis for the idempotency window; `'postgres'`
   * runs the handler in a transaction with an inbox row (the handler gets `context.manager`): exactly-once effects
   * in that database.
   */
  idempotent?: boolean | 'redis' | 'postgres';
  /**
   * Calls at once per node (default 8). For `group` scope, `1` makes the handler *ordered*: one node at a time
   * consumes the group (a lease, needs LeaderModule), in stream order — events of one aggregate arrive in order.
   */
  concurrency?: number;
  /** Consumer group name (default `Class.method`). Changing it starts a new group. */
  name?: string;
}

/** What `@OnEvent` records. */
export interface OnEventMetadata {
  readonly event: EventClass;
  readonly options: OnEventOptions;
}

/** Discovery marker of event handlers. */
export const OnEventMarker = DiscoveryService.createDecorator<OnEventMetadata>();

function positiveInt(value: number | undefined, name: string): void {
  if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
    throw new Error(`@OnEvent: ${name} must be a whole number above 0, got ${value}`);
  }
}

/**
 * Handles an integration event: `@OnEvent(OrderPlaced) async onPlaced(event: OrderPlaced, context: EventContext)`.
 * Acknowledged after the method resolves; retried with backoff when it throws; dead-lettered after `maxAttempts`.
 * Delivery is at-least-once: make the handler idempotent, or set `idempotent`.
 */
export function OnEvent(event: EventClass, options: OnEventOptions = {}): MethodDecorator {
  eventDefinitionOf(event); // throws at class definition when the class is not an integration event
  if (options.scope !== undefined && options.scope !== 'group' && options.scope !== 'broadcast') {
    throw new Error(`@OnEvent: scope must be 'group' or 'broadcast', got ${String(options.scope)}`);
  }
  positiveInt(options.maxAttempts, 'maxAttempts');
  positiveInt(options.concurrency, 'concurrency');
  positiveInt(options.backoff?.initialDelay, 'backoff.initialDelay');
  positiveInt(options.backoff?.maxDelay, 'backoff.maxDelay');
  if (![undefined, true, false, 'redis', 'postgres'].includes(options.idempotent)) {
    throw new Error(`@OnEvent: idempotent must be true, false, 'redis' or 'postgres'`);
  }
  if (options.name !== undefined && !/^[A-Za-z0-9._:-]{1,200}$/.test(options.name)) {
    throw new Error(`@OnEvent: name must be 1-200 characters of letters, digits and . _ : -`);
  }
  return OnEventMarker({ event, options });
}
