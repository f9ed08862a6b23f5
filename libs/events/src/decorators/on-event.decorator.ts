import { DiscoveryService } from '@nestjs/core';
import { InvalidDecoratorUsageError } from '@shoal/cluster';
import { NAME_CHARACTERS, namePattern } from '@shoal/cluster/internal';
import { eventDefinitionOf, type EventClass } from '../integration-event.decorator.js';
import type { EventContext, TransactionalEventContext } from '../handling/event-context.js';
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

/**
 * A method decorator that checks the handler's signature: it takes the event (an instance of the decorated event class)
 * and, optionally, its context — `TransactionalEventContext` (with `manager`) only for `idempotent: 'postgres'`.
 */
export type EventHandlerDecorator<E, C> = <F extends (event: E, context: C) => unknown>(
  target: object,
  key: string | symbol,
  descriptor: TypedPropertyDescriptor<F>,
) => void;

/** Discovery marker of event handlers. */
export const OnEventMarker = DiscoveryService.createDecorator<OnEventMetadata>();

/** Why `options` cannot work, or undefined. */
function problemWith(options: OnEventOptions): string | undefined {
  if (options.scope !== undefined && options.scope !== 'group' && options.scope !== 'broadcast') {
    return `scope must be 'group' or 'broadcast', got ${String(options.scope)}`;
  }
  const counts = {
    maxAttempts: options.maxAttempts,
    concurrency: options.concurrency,
    'backoff.initialDelay': options.backoff?.initialDelay,
    'backoff.maxDelay': options.backoff?.maxDelay,
  };
  for (const [name, value] of Object.entries(counts)) {
    if (value !== undefined && !(Number.isInteger(value) && value > 0))
      return `${name} must be a whole number above 0, got ${value}`;
  }
  if (![undefined, true, false, 'redis', 'postgres'].includes(options.idempotent)) {
    return `idempotent must be true, false, 'redis' or 'postgres'`;
  }
  if (options.name !== undefined && !namePattern(200).test(options.name)) {
    return `name must be 1-200 characters of ${NAME_CHARACTERS}`;
  }
  return undefined;
}

/**
 * Handles an integration event: `@OnEvent(OrderPlaced) async onPlaced(event: OrderPlaced, context: EventContext)`.
 * Acknowledged after the method resolves; retried with backoff when it throws; dead-lettered after `maxAttempts`.
 * Delivery is at-least-once: make the handler idempotent, or set `idempotent`.
 * @throws InvalidDecoratorUsageError when the class is defined, if `event` or `options` cannot work.
 */
export function OnEvent<E extends object>(
  event: EventClass<E>,
  options: OnEventOptions & { idempotent: 'postgres' },
): EventHandlerDecorator<E, TransactionalEventContext>;
export function OnEvent<E extends object>(
  event: EventClass<E>,
  options?: OnEventOptions,
): EventHandlerDecorator<E, EventContext>;
export function OnEvent(
  event: EventClass,
  options: OnEventOptions = {},
): EventHandlerDecorator<object, EventContext> {
  return (target, key, descriptor) => {
    const where = `${(target as { constructor: { name: string } }).constructor.name}.${String(key)}`;
    try {
      eventDefinitionOf(event);
    } catch (error) {
      throw new InvalidDecoratorUsageError('@OnEvent()', where, (error as Error).message);
    }
    const problem = problemWith(options);
    if (problem) throw new InvalidDecoratorUsageError('@OnEvent()', where, problem);
    return OnEventMarker({ event, options })(target, key, descriptor);
  };
}
