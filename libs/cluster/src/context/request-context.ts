import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** What started the work a context belongs to. */
export type ContextOrigin = 'http' | 'event' | 'job' | 'socket';

/** The context of one HTTP request, event delivery, job run or socket message. */
export interface ShoalContext {
  /** The flow this work belongs to: from `x-request-id` or `traceparent`, else a new id; carried by events and jobs. */
  readonly correlationId: string;
  readonly origin: ContextOrigin;
}

const storage = new AsyncLocalStorage<ShoalContext>();

let nodeIdOf: () => string | undefined = () => undefined;
let leaderOf: () => boolean | undefined = () => undefined;

/**
 * The request context (AsyncLocalStorage): per HTTP request (from `ClusterModule`'s middleware), per socket message
 * (its interceptor), per event handler call (`EventBusModule`) and per job run (`JobsModule`). Events published and
 * jobs enqueued inside a context carry its correlation id, and their handlers run in a context with the same id.
 * Outside any context every getter returns `undefined`. The node id and leader status are per process.
 *
 * ```ts
 * const id = RequestContext.correlationId();
 * ```
 */
export const RequestContext = {
  /** The current context, if any. */
  current(): ShoalContext | undefined {
    return storage.getStore();
  },

  /** The current correlation id, if any. */
  correlationId(): string | undefined {
    return storage.getStore()?.correlationId;
  },

  /** The id of this node (undefined before `ClusterModule` started). */
  nodeId(): string | undefined {
    return nodeIdOf();
  },

  /** Whether this node holds the `leader` lease now (undefined without `LeaderModule`). */
  isLeader(): boolean | undefined {
    return leaderOf();
  },

  /** Runs `fn` in a context with `correlationId` (a new one when absent). */
  run<T>(context: { correlationId?: string; origin: ContextOrigin }, fn: () => T): T {
    return storage.run({ correlationId: context.correlationId || randomUUID(), origin: context.origin }, fn);
  },
};

/** Wires the node id and leader status the context reports (called by `ClusterModule` and `LeaderModule`). */
export function provideContextSources(sources: {
  nodeId?: () => string | undefined;
  isLeader?: () => boolean | undefined;
}): void {
  if (sources.nodeId) nodeIdOf = sources.nodeId;
  if (sources.isLeader) leaderOf = sources.isLeader;
}
