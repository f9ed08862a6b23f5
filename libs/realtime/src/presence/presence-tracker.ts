import { Logger } from '@nestjs/common';
import { backoffDelay, withTimeout } from '@shoal/cluster/internal';
import type { PresenceStore } from './presence-store.js';

interface Change {
  readonly userId: string;
  readonly op: 'connect' | 'disconnect';
}

/**
 * This replica's share of presence: it counts its own sockets per user (the truth) and mirrors every change to the
 * store, one write at a time, in order. When a write fails, or the store says this node is not registered (it was
 * removed as dead while paused, or the store lost its data), the next write is a whole `register` of the local
 * counts instead, retried with backoff until the store takes it — so the store converges on the truth.
 */
export class PresenceTracker {
  private readonly logger = new Logger('Shoal:Presence');
  private readonly local = new Map<string, number>();
  private queue: Change[] = [];
  private dirty = true;
  private running?: Promise<void>;
  private retryTimer?: NodeJS.Timeout;
  private failures = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly store: PresenceStore,
    private readonly nodeId: string,
  ) {}

  /** Registers this node with its current (usually empty) local state. */
  start(): Promise<void> {
    this.kick();
    return this.idle();
  }

  /** Sockets of `userId` on this replica. */
  localSockets(userId: string): number {
    return this.local.get(userId) ?? 0;
  }

  connected(userId: string): void {
    this.local.set(userId, this.localSockets(userId) + 1);
    this.enqueue({ userId, op: 'connect' });
  }

  disconnected(userId: string): void {
    const n = this.localSockets(userId);
    if (n <= 1) this.local.delete(userId);
    else this.local.set(userId, n - 1);
    this.enqueue({ userId, op: 'disconnect' });
  }

  /** Rewrites this node's entries from the local counts (after the store lost data, or to be sure). */
  resync(): void {
    this.dirty = true;
    this.kick();
  }

  /** Resolves when every change so far is in the store (or stopped). */
  idle(): Promise<void> {
    if (!this.running && this.queue.length === 0 && !this.dirty) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops writing and removes this node's entries at once (its sockets are gone or going). */
  async stop(timeoutMs: number): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.queue = [];
    await withTimeout(this.running ?? Promise.resolve(), timeoutMs, 'presence writes').catch(() => undefined);
    await withTimeout(this.store.remove(this.nodeId), timeoutMs, 'presence removal').catch((error: unknown) =>
      this.logger.warn(
        `could not remove this node's presence (the others will on its leave): ${String(error)}`,
      ),
    );
    this.settle();
  }

  private enqueue(change: Change): void {
    if (this.stopped) return;
    if (!this.dirty) this.queue.push(change);
    this.kick();
  }

  private kick(): void {
    if (this.running || this.stopped || this.retryTimer) return;
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.dirty && !this.stopped) this.scheduleRetry();
      else if (this.queue.length > 0) this.kick();
      else this.settle();
    });
  }

  private async drain(): Promise<void> {
    try {
      while (!this.stopped) {
        if (this.dirty) {
          this.queue = []; // the snapshot below holds every change so far
          await this.store.register(this.nodeId, new Map(this.local));
          this.dirty = false;
          if (this.failures > 0) this.logger.log('presence store reachable again: this node re-registered');
          this.failures = 0;
          continue;
        }
        const change = this.queue.shift();
        if (!change) return;
        const applied =
          change.op === 'connect'
            ? await this.store.connect(this.nodeId, change.userId)
            : await this.store.disconnect(this.nodeId, change.userId);
        if (!applied) {
          this.logger.warn(
            'this node was not registered in presence (removed while unreachable?): re-registering',
          );
          this.dirty = true;
        }
      }
    } catch (error) {
      if (this.failures === 0) this.logger.warn(`presence write failed, will re-register: ${String(error)}`);
      this.failures += 1;
      this.dirty = true;
    }
  }

  private scheduleRetry(): void {
    const delay = backoffDelay(this.failures + 1, { initialMs: 100, maxMs: 5000 });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.kick();
    }, delay);
    this.retryTimer.unref();
  }

  private settle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
