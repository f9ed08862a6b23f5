/** One lease in a `MemoryLeaseHub`. */
export interface MemoryLease {
  owner: string | null;
  token: number;
  expiresAt: number;
}

/** Shared state of in-memory lease stores in one process; tests pass their own hub (and clock). */
export class MemoryLeaseHub {
  readonly leases = new Map<string, MemoryLease>();
  private readonly listeners = new Set<(lease: string) => void>();

  constructor(readonly now: () => number = () => performance.now()) {}

  subscribe(listener: (lease: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publishRelease(lease: string): void {
    for (const listener of this.listeners) queueMicrotask(() => listener(lease));
  }

  /** The hub used when none is given. */
  static readonly shared = new MemoryLeaseHub();
}
