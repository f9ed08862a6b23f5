/**
 * One contender per lock key in this process at a time: callers of `lock(key)` on the same node queue here in FIFO
 * order instead of all polling the store, so a hot key costs one poller per node, not one per caller, and the next
 * local caller goes the moment the previous one releases.
 */
export class LocalTurns {
  private readonly waiting = new Map<string, (() => void)[]>();
  private readonly taken = new Set<string>();

  /** Resolves true when it is this caller's turn for `key`, false when `deadline` (performance.now) passes first. */
  take(key: string, deadline: number): Promise<boolean> {
    if (!this.taken.has(key)) {
      this.taken.add(key);
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const queue = this.waiting.get(key) ?? [];
      this.waiting.set(key, queue);
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(
        () => {
          const index = queue.indexOf(wake);
          if (index >= 0) queue.splice(index, 1);
          resolve(false);
        },
        Math.max(0, deadline - performance.now()),
      );
      queue.push(wake);
    });
  }

  /** Ends the current turn for `key`: the next local caller goes now. */
  pass(key: string): void {
    const queue = this.waiting.get(key);
    const next = queue?.shift();
    if (queue?.length === 0) this.waiting.delete(key);
    if (next) next();
    else this.taken.delete(key);
  }
}
