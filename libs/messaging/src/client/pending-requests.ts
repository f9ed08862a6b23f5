import type { WritePacket } from '@nestjs/microservices';
import { TargetBusyError } from '../errors/target-busy.error.js';
import { MessageTimeoutError } from '../errors/message-timeout.error.js';
import { NoHandlerError } from '../errors/no-handler.error.js';
import { TargetUnavailableError } from '../errors/target-unavailable.error.js';
import type { ReplyFrame } from '../bus/frames.js';
import type { MessagingMetrics } from '../messaging.metrics.js';

/** One request waiting for its answer(s). */
export interface PendingRequest {
  readonly pattern: string;
  /** Nodes that still owe a final answer; empty set for an entity request (any owner may answer). */
  readonly awaiting: Set<string>;
  /** What the timeout error names as the target. */
  readonly target: string;
  readonly callback: (packet: WritePacket) => void;
}

interface Entry extends PendingRequest {
  readonly timeoutMs: number;
  /** `performance.now()` after which the request times out. */
  readonly deadline: number;
  readonly startedAt: number;
  readonly durable: boolean;
}

/**
 * The pending requests with one timeout value, in the order they were sent — which is the order of their deadlines —
 * and the one timer armed for the earliest.
 */
interface TimeoutGroup {
  readonly ids: Set<string>;
  timer?: NodeJS.Timeout;
}

/**
 * The requests this node waits on, by id. Each settles exactly once: with its answers, its error, a typed refusal,
 * `MessageTimeoutError`, or `TargetUnavailableError` the moment a node it waits on leaves.
 *
 * Timeouts cost no timer per request: requests sharing a timeout value expire in the order they were added, so one
 * timer per distinct value, armed for the oldest, serves them all.
 */
export class PendingRequests {
  private readonly entries = new Map<string, Entry>();
  private readonly groups = new Map<number, TimeoutGroup>();

  constructor(private readonly metrics: MessagingMetrics) {}

  get size(): number {
    return this.entries.size;
  }

  add(id: string, request: PendingRequest, timeoutMs: number, durable: boolean): void {
    const startedAt = performance.now();
    this.entries.set(id, {
      pattern: request.pattern,
      awaiting: request.awaiting,
      target: request.target,
      callback: request.callback,
      timeoutMs,
      deadline: startedAt + timeoutMs,
      startedAt,
      durable,
    });
    let group = this.groups.get(timeoutMs);
    if (!group) {
      group = { ids: new Set() };
      this.groups.set(timeoutMs, group);
    }
    group.ids.add(id);
    if (group.timer === undefined) this.arm(timeoutMs, group, timeoutMs);
  }

  /** Forgets a request whose caller unsubscribed. */
  delete(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.forget(id, entry);
  }

  /** Settles `id` with `error` (no-op once settled). */
  fail(id: string, error: Error, outcome: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.finish(id, entry, outcome);
    entry.callback({ err: error });
  }

  /** Applies one reply packet. */
  reply(frame: ReplyFrame): void {
    const entry = this.entries.get(frame.id);
    if (!entry) return;
    if (frame.refusal) {
      const error =
        frame.refusal.code === 'busy'
          ? new TargetBusyError(entry.pattern, frame.from, frame.refusal.message)
          : new NoHandlerError(entry.pattern, `node ${frame.from}`);
      this.fail(frame.id, error, frame.refusal.code);
      return;
    }
    if (frame.err !== undefined && frame.err !== null) {
      this.finish(frame.id, entry, 'error');
      entry.callback({ err: frame.err });
      return;
    }
    if (frame.disposed) entry.awaiting.delete(frame.from);
    const done = frame.disposed === true && entry.awaiting.size === 0;
    if (done) this.finish(frame.id, entry, 'ok');
    if (frame.response !== undefined) entry.callback({ response: frame.response });
    if (done) entry.callback({ isDisposed: true });
  }

  /** `node` left the cluster: every non-durable request waiting on it fails now. */
  nodeLeft(node: string): void {
    for (const [id, entry] of this.entries) {
      if (entry.durable || !entry.awaiting.has(node)) continue;
      this.fail(id, new TargetUnavailableError(entry.pattern, node, 'it left the cluster'), 'unavailable');
    }
  }

  /** Fails every request (shutdown). */
  failAll(reason: string): void {
    for (const [id, entry] of this.entries) {
      this.fail(id, new TargetUnavailableError(entry.pattern, entry.target, reason), 'unavailable');
    }
  }

  private finish(id: string, entry: Entry, outcome: string): void {
    this.forget(id, entry);
    this.metrics.observeRtt(outcome, (performance.now() - entry.startedAt) / 1000);
  }

  private forget(id: string, entry: Entry): void {
    this.entries.delete(id);
    const group = this.groups.get(entry.timeoutMs);
    if (!group) return;
    group.ids.delete(id);
    if (group.ids.size === 0) {
      clearTimeout(group.timer);
      this.groups.delete(entry.timeoutMs);
    }
  }

  /** Arms `group`'s timer to fire in `delayMs` (the oldest request's deadline). */
  private arm(timeoutMs: number, group: TimeoutGroup, delayMs: number): void {
    clearTimeout(group.timer);
    group.timer = setTimeout(() => this.expire(timeoutMs, group), Math.max(0, Math.ceil(delayMs)));
  }

  /** Fails every request of the group past its deadline, then re-arms for the oldest left. */
  private expire(timeoutMs: number, group: TimeoutGroup): void {
    group.timer = undefined;
    const now = performance.now();
    for (const id of group.ids) {
      const entry = this.entries.get(id);
      if (!entry) {
        group.ids.delete(id);
        continue;
      }
      if (entry.deadline > now) {
        if (this.groups.get(timeoutMs) === group) this.arm(timeoutMs, group, entry.deadline - now);
        return;
      }
      this.fail(id, new MessageTimeoutError(entry.pattern, timeoutMs, entry.target), 'timeout');
    }
  }
}
