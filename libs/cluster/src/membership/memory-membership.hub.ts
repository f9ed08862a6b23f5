import type { MemberRecord, MembershipNotice } from './membership-store.js';

/**
 * The shared state of in-memory membership stores: every `ClusterModule` in this process that uses the same hub
 * sees the same members. Tests pass their own hub (and clock) to run several nodes in one process.
 */
export class MemoryMembershipHub {
  readonly members = new Map<string, MemberRecord>();
  /** The membership version: bumped on every join, leave, removal or info change. */
  version = 0;
  private readonly listeners = new Set<(notice: MembershipNotice) => void>();

  /** @param now the hub's clock (the "store clock" of memory stores); a fake clock can be passed in tests. */
  constructor(readonly now: () => number = Date.now) {}

  subscribe(listener: (notice: MembershipNotice) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(notice: MembershipNotice): void {
    // Delivered asynchronously, like a real store's pub/sub.
    for (const listener of this.listeners) queueMicrotask(() => listener(notice));
  }

  /** The hub used when none is given. */
  static readonly shared = new MemoryMembershipHub();
}
