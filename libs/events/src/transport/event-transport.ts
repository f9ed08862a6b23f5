import type { EntityManager } from 'typeorm';
import type { EventEnvelope } from '../envelope/event-envelope.js';

/** How a handler receives events. */
export type EventScope = 'group' | 'broadcast';

/** One handler's subscription, as a transport sees it. */
export interface TransportSubscription {
  /** Stable handler id (`@OnEvent` `group`, default `Class.method`): the consumer group name for `group` scope. */
  readonly name: string;
  /** Event type consumed. */
  readonly type: string;
  readonly scope: EventScope;
  /**
   * Calls running at once on this node. For `group` scope, `1` also means *ordered*: one node at a time consumes
   * the group, in stream order.
   */
  readonly concurrency: number;
  /** Where a group that does not exist yet starts: the oldest event the transport holds, or the next one published. */
  readonly startFrom?: 'earliest' | 'latest';
  /**
   * Handles one delivery. Returns `undefined` when the event was done with synchronously, else a promise that
   * resolves when it is done with (handled, skipped as duplicate, or dead-lettered): the transport then acknowledges
   * it. The promise rejects only when the event must stay unacknowledged and be delivered again.
   */
  readonly deliver: (envelope: EventEnvelope) => Promise<void> | undefined;
}

/**
 * Moves envelopes between nodes. Implementations: Redis Streams, the Postgres event log, memory (one process); all
 * with groups and broadcast.
 */
export interface EventTransport {
  /** Whether `group` scope is supported (competing consumers, at-least-once). */
  readonly supportsGroups: boolean;
  /** Publishes; resolves once the transport has durably accepted every envelope, in order. */
  publish(envelopes: readonly EventEnvelope[]): Promise<void>;
  /**
   * A transport that lives in the app's database publishes inside the caller's transaction itself: the events exist
   * if and only if it commits, with no outbox row and no relay in between.
   */
  publishWithin?(manager: EntityManager, envelopes: readonly EventEnvelope[]): Promise<void>;
  /** Starts consuming for one handler. Called after `publish` may already be in use. */
  subscribe(subscription: TransportSubscription): Promise<void>;
  /**
   * Takes over what consumers that are no longer members left unfinished; `owns(key)` picks one survivor where only
   * one may act. Called when membership reports a node gone, and on a timer.
   */
  reclaim?(isMember: (id: string) => boolean, owns: (key: string) => boolean): Promise<void>;
  /** Stops taking new deliveries and waits (bounded) for the ones running. */
  stop(graceMs: number): Promise<void>;
  /** Releases what the transport opened (never the shared connections). */
  close(): Promise<void>;
}
