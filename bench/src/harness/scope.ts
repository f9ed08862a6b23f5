/**
 * Owns everything a scenario started (servers, processes, connections) so it can all be torn down, in reverse
 * order, when the scenario ends or runs out of time. Child scopes close with their parent.
 */
export class Scope {
  private readonly controller = new AbortController();
  private readonly disposers = new Set<() => Promise<void>>();
  private closed = false;
  /** Detaches this scope from its parent (its abort listener and its entry among the parent's disposers). */
  private readonly unlink?: () => void;

  constructor(parent?: Scope) {
    if (parent) {
      const onAbort = (): void => this.controller.abort(parent.signal.reason);
      parent.signal.addEventListener('abort', onAbort, { once: true });
      const forget = parent.register(() => this.close());
      this.unlink = () => {
        parent.signal.removeEventListener('abort', onAbort);
        forget();
      };
    }
  }

  /** Aborted when the scenario runs out of time (or is otherwise cancelled). */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Cancels the work: {@link check} throws from now on. Does not close anything by itself. */
  abort(reason: Error): void {
    this.controller.abort(reason);
  }

  /** Throws the abort reason if aborted. */
  check(): void {
    this.signal.throwIfAborted();
  }

  /**
   * Registers `dispose` to run at {@link close}. If the scope is closed already, runs it at once and throws, so
   * work that outlived its scope stops. Returns a function that runs `dispose` now (once) and unregisters it.
   */
  defer(dispose: () => Promise<void>): () => Promise<void> {
    if (this.closed) {
      void dispose().catch(() => undefined);
      throw new Error('scope is closed');
    }
    let done = false;
    const once = async (): Promise<void> => {
      if (done) return;
      done = true;
      forget();
      await dispose();
    };
    const forget = this.register(once);
    return once;
  }

  /** Registers `resource` for disposal with `dispose` and returns it. */
  track<T>(resource: T, dispose: (resource: T) => Promise<unknown>): T {
    this.defer(async () => {
      await dispose(resource);
    });
    return resource;
  }

  /** Runs `body` in a child scope that is closed when `body` settles. */
  async child<T>(body: (scope: Scope) => Promise<T>): Promise<T> {
    const scope = new Scope(this);
    try {
      return await body(scope);
    } finally {
      await scope.close();
    }
  }

  /** Runs every registered disposer, newest first. Never throws; later calls do nothing. */
  async close(): Promise<void> {
    this.closed = true;
    this.unlink?.();
    for (const dispose of [...this.disposers].reverse()) {
      this.disposers.delete(dispose);
      await dispose().catch(() => undefined);
    }
  }

  /** Adds `dispose` to the disposers; returns a function that removes it again (without running it). */
  private register(dispose: () => Promise<void>): () => void {
    this.disposers.add(dispose);
    return () => {
      this.disposers.delete(dispose);
    };
  }
}
