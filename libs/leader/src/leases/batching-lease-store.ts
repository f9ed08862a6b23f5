import type { AcquireResult, LeaseHolder, LeaseRenewal, LeaseStore } from './lease-store.js';

interface QueuedRenewal extends LeaseRenewal {
  readonly resolve: (renewed: boolean) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * A `LeaseStore` for a node holding many leases (entity shards): renewals asked for within `windowMs` of each other
 * go to the store as one `renewMany` per owner and TTL — one script or statement per renewal tick instead of one per
 * lease. Each renewal keeps its own fencing check and answer; everything else passes straight through.
 * Participants built with `alignRenewals` renew on a shared grid, so their renewals meet in one window.
 */
export class BatchingLeaseStore implements LeaseStore {
  private readonly queues = new Map<string, QueuedRenewal[]>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly store: LeaseStore,
    private readonly windowMs = 5,
  ) {}

  init(onReleased: (lease: string) => void): Promise<void> {
    return this.store.init(onReleased);
  }

  acquire(lease: string, owner: string, ttlMs: number): Promise<AcquireResult> {
    return this.store.acquire(lease, owner, ttlMs);
  }

  renew(lease: string, owner: string, token: number, ttlMs: number): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const key = `${ttlMs}|${owner}`;
      const queue = this.queues.get(key) ?? [];
      this.queues.set(key, queue);
      queue.push({ lease, token, resolve, reject });
      this.timer ??= setTimeout(() => this.flush(), this.windowMs);
    });
  }

  renewMany(renewals: readonly LeaseRenewal[], owner: string, ttlMs: number): Promise<boolean[]> {
    return this.store.renewMany(renewals, owner, ttlMs);
  }

  release(lease: string, owner: string, token: number): Promise<boolean> {
    return this.store.release(lease, owner, token);
  }

  holder(lease: string): Promise<LeaseHolder | null> {
    return this.store.holder(lease);
  }

  /** Sends what is queued; the wrapped store stays open (it belongs to whoever passed it). */
  async close(): Promise<void> {
    this.flush();
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const queues = [...this.queues];
    this.queues.clear();
    for (const [key, queue] of queues) {
      const bar = key.indexOf('|');
      const ttlMs = Number(key.slice(0, bar));
      const owner = key.slice(bar + 1);
      this.store.renewMany(queue, owner, ttlMs).then(
        (renewed) => queue.forEach((entry, i) => entry.resolve(renewed[i] ?? false)),
        (error: unknown) => queue.forEach((entry) => entry.reject(error)),
      );
    }
  }
}
