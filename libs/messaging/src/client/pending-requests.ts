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
  readonly timer: NodeJS.Timeout;
  readonly startedAt: number;
  readonly durable: boolean;
}

/**
 * The requests this node waits on, by id. Each settles exactly once: with its answers, its error, a typed refusal,
 * `MessageTimeoutError`, or `TargetUnavailableError` the moment a node it waits on leaves.
 */
export class PendingRequests {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly metrics: MessagingMetrics) {}

  get size(): number {
    return this.entries.size;
  }

  add(id: string, request: PendingRequest, timeoutMs: number, durable: boolean): void {
    const timer = setTimeout(
      () => this.fail(id, new MessageTimeoutError(request.pattern, timeoutMs, request.target), 'timeout'),
      timeoutMs,
    );
    this.entries.set(id, { ...request, timer, startedAt: performance.now(), durable });
  }

  /** Forgets a request whose caller unsubscribed. */
  delete(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.entries.delete(id);
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
    clearTimeout(entry.timer);
    this.entries.delete(id);
    this.metrics.rtt.observe({ outcome }, (performance.now() - entry.startedAt) / 1000);
  }
}
