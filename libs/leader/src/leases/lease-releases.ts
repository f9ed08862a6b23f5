/** Fan-out of the lease store's "released" notices inside this node: leader participants and lock waiters listen. */
export class LeaseReleases {
  private readonly listeners = new Map<string, Set<() => void>>();

  /** Called with every lease another node (or this one) hands back. */
  notify(lease: string): void {
    for (const listener of this.listeners.get(lease) ?? []) listener();
  }

  /** Calls `listener` at every release of `lease` until the returned function is called. */
  listen(lease: string, listener: () => void): () => void {
    const set = this.listeners.get(lease) ?? new Set<() => void>();
    this.listeners.set(lease, set);
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(lease) === set) this.listeners.delete(lease);
    };
  }

  /** Resolves at the next release of `lease`, or after `ms`, whichever comes first. */
  next(lease: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const set = this.listeners.get(lease) ?? new Set<() => void>();
      this.listeners.set(lease, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0) this.listeners.delete(lease);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }
}
