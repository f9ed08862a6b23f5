import type { EntityManager } from 'typeorm';
import type { EventEnvelope } from '../envelope/event-envelope.js';

/** The second argument of an `@OnEvent` handler. */
export interface EventContext {
  /** Id, type, version, times, source node, correlation/causation ids, headers. */
  readonly envelope: EventEnvelope;
  /** 1 on the first try of this delivery. */
  readonly attempt: number;
  /** With `idempotent: 'postgres'`: the transaction the inbox row is in. Write your effects with it. */
  readonly manager?: EntityManager;
}

/**
 * The context of a handler with `idempotent: 'postgres'`: it runs inside the transaction that records the event in the
 * inbox, so `manager` is always there. Effects written with it happen exactly once.
 */
export interface TransactionalEventContext extends EventContext {
  readonly manager: EntityManager;
}
