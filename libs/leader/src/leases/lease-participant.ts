import { Logger } from '@nestjs/common';
import { withTimeout } from '@shoal/cluster/internal';
import { LeaseLostError } from '../errors/lease-lost.error.js';
import type { LeaseStore } from './lease-store.js';
import type { LeadershipEvent, LeaseHolderView, LeaseTerm } from './lease-term.js';

/** Timing of one lease. */
export interface LeaseTiming {
  readonly ttl: number;
  readonly renewInterval: number;
  readonly retryInterval: number;
  /**
   * Renew on a grid of `renewInterval` shared by every participant of the process (never later than unaligned):
   * the renewals of many leases fall together, so a `BatchingLeaseStore` sends them as one.
   */
  readonly alignRenewals?: boolean;
}

interface Term {
  readonly token: number;
  readonly controller: AbortController;
  readonly acquiredAt: Date;
  /** Monotonic time (performance.now) after which this node no longer counts as holder. */
  deadline: number;
  /** Shutdown began: no new work may start under this term. */
  closing: boolean;
}

/**
 * This node's competition for one lease: take it when free (at once when released, else when the holder's TTL
 * runs out), renew it every `renewInterval`, and demote itself when renewal has not succeeded by the local
 * deadline. The deadline is measured from the moment the last successful request was *sent*, on the monotonic
 * clock, so it always falls before the store lets anyone else in — also after a pause or an event-loop stall.
 */
export class LeaseParticipant {
  private readonly logger = new Logger('Shoal:Leader');
  private term?: Term;
  private running = false;
  private busy = false;
  private timer?: NodeJS.Timeout;
  private deadlineTimer?: NodeJS.Timeout;
  private knownHolder: LeaseHolderView | null = null;

  constructor(
    readonly lease: string,
    private readonly nodeId: string,
    private readonly store: LeaseStore,
    private readonly timing: LeaseTiming,
    private readonly emit: (event: LeadershipEvent) => void,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(() => this.attempt(), 0);
  }

  /** Whether this node holds the lease now and may start work under it. */
  isHolder(): boolean {
    return this.term !== undefined && !this.term.closing && performance.now() < this.term.deadline;
  }

  /** The current term, if this node holds the lease. */
  currentTerm(): LeaseTerm | undefined {
    const term = this.term;
    if (!term || !this.isHolder()) return undefined;
    return {
      lease: this.lease,
      token: term.token,
      signal: term.controller.signal,
      acquiredAt: term.acquiredAt,
    };
  }

  /** The holder as last seen (this node, or the owner reported by the store on the last attempt). */
  holder(): LeaseHolderView | null {
    const term = this.currentTerm();
    return term ? { id: this.nodeId, token: term.token } : this.knownHolder;
  }

  /** The lease was released somewhere: try to take it now. */
  wake(): void {
    if (!this.running || this.term) return;
    this.schedule(() => this.attempt(), 0);
  }

  /**
   * Stops competing. If this node holds the lease: no new work starts, the term's signal fires, `drain` waits for
   * running work, then the lease is released so another node takes it at once.
   */
  async stop(drain: () => Promise<void>): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    const term = this.term;
    if (!term) return;
    term.closing = true;
    term.controller.abort(new LeaseLostError(this.lease, term.token, 'shutdown'));
    await drain();
    this.end(term, 'released');
    try {
      await withTimeout(
        this.store.release(this.lease, this.nodeId, term.token),
        this.timing.ttl,
        'lease release',
      );
    } catch (error) {
      this.logger.warn(
        `could not release "${this.lease}" (it expires in ≤ ${this.timing.ttl} ms): ${String(error)}`,
      );
    }
  }

  private schedule(step: () => Promise<void>, delay: number): void {
    clearTimeout(this.timer);
    if (!this.running) return;
    this.timer = setTimeout(() => void step(), Math.max(0, delay));
    this.timer.unref();
  }

  private async attempt(): Promise<void> {
    if (!this.running || this.term || this.busy) return;
    this.busy = true;
    const sentAt = performance.now();
    let next = this.timing.retryInterval;
    try {
      const result = await withTimeout(
        this.store.acquire(this.lease, this.nodeId, this.timing.ttl),
        this.timing.ttl,
        'lease acquisition',
      );
      if (result.acquired) {
        if (!this.running) {
          await this.store.release(this.lease, this.nodeId, result.token).catch(() => undefined);
          return;
        }
        this.begin(result.token, sentAt);
        return;
      }
      if (result.holder?.owner === this.nodeId) {
        // An earlier attempt of ours that timed out here went through after all (e.g. queued while the store was
        // unreachable): take the term over, with a deadline from the store's remaining time.
        this.begin(result.holder.token, sentAt, result.holder.remainingMs);
        return;
      }
      this.knownHolder = result.holder ? { id: result.holder.owner, token: result.holder.token } : null;
      // Try again right after the holder's TTL runs out if that comes before the next retry.
      if (result.holder) next = Math.min(next, result.holder.remainingMs + 1);
    } catch (error) {
      this.logger.debug(`acquiring "${this.lease}" failed: ${String(error)}`);
    } finally {
      this.busy = false;
    }
    if (!this.term) this.schedule(() => this.attempt(), next);
  }

  private begin(token: number, sentAt: number, remainingMs = this.timing.ttl): void {
    const term: Term = {
      token,
      controller: new AbortController(),
      acquiredAt: new Date(),
      deadline: this.deadlineFrom(sentAt, remainingMs),
      closing: false,
    };
    this.term = term;
    this.knownHolder = { id: this.nodeId, token };
    this.armDeadline(term);
    this.emit({ type: 'acquired', lease: this.lease, nodeId: this.nodeId, token });
    this.schedule(() => this.renew(term), this.renewDelay());
  }

  private async renew(term: Term): Promise<void> {
    if (this.term !== term || !this.running) return;
    const sentAt = performance.now();
    try {
      const budget = Math.max(1, term.deadline - sentAt);
      const ok = await withTimeout(
        this.store.renew(this.lease, this.nodeId, term.token, this.timing.ttl),
        budget,
        'lease renewal',
      );
      if (this.term !== term) return;
      if (ok) {
        term.deadline = this.deadlineFrom(sentAt);
        this.armDeadline(term);
        this.schedule(() => this.renew(term), this.renewDelay());
      } else {
        this.end(term, 'taken');
        this.schedule(() => this.attempt(), 0);
      }
    } catch (error) {
      if (this.term !== term) return;
      this.logger.warn(
        `renewing "${this.lease}" failed, retrying until the lease runs out: ${String(error)}`,
      );
      this.schedule(() => this.renew(term), Math.min(this.timing.retryInterval, this.timing.renewInterval));
    }
  }

  /** Time to the next renewal: `renewInterval`, or the next point of the shared grid (which comes no later). */
  private renewDelay(): number {
    const interval = this.timing.renewInterval;
    if (!this.timing.alignRenewals) return interval;
    return interval - (performance.now() % interval);
  }

  /** The store expires the lease `remainingMs` after it handled the request, which is after `sentAt`. */
  private deadlineFrom(sentAt: number, remainingMs = this.timing.ttl): number {
    return sentAt + remainingMs * 0.99 - 2;
  }

  private armDeadline(term: Term): void {
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = setTimeout(
      () => {
        if (this.term !== term) return;
        // Timers run on the event loop's clock, which can lag `performance.now()`: early, so wait the rest.
        if (performance.now() < term.deadline) return this.armDeadline(term);
        this.logger.warn(`lease "${this.lease}" (token ${term.token}) not renewed in time: stepping down`);
        this.end(term, 'expired');
        this.schedule(() => this.attempt(), 0);
      },
      Math.max(0, term.deadline - performance.now() + 1),
    );
    this.deadlineTimer.unref();
  }

  private end(term: Term, reason: LeaseLostError['reason']): void {
    if (this.term !== term) return;
    this.term = undefined;
    clearTimeout(this.deadlineTimer);
    if (this.knownHolder?.id === this.nodeId) this.knownHolder = null;
    if (!term.controller.signal.aborted)
      term.controller.abort(new LeaseLostError(this.lease, term.token, reason));
    this.emit({ type: 'lost', lease: this.lease, nodeId: this.nodeId, token: term.token, reason });
  }
}
