interface Waiting<R> {
  readonly resolve: (value: R) => void;
  readonly reject: (error: unknown) => void;
}

/** One item's outcome in a batch: its error, or its value. */
export type ItemOutcome<R> = { readonly error: unknown } | { readonly value: R };

/**
 * What a {@link TickBatcher} does with one batch: resolves with each item's outcome, in batch order (an item without
 * one succeeded with no value), or with nothing when all succeeded; a rejection fails every item of the batch.
 */
export type BatchRun<T, R = void> = (
  batch: readonly T[],
) => Promise<readonly (ItemOutcome<R> | undefined)[] | void>;

/** How a {@link TickBatcher} cuts batches. */
export interface TickBatcherOptions {
  /** Items per run at most (default: no limit). */
  readonly maxBatch?: number;
  /**
   * One run at a time (default `false`): what is added while a batch runs waits and goes, all of it, into the next
   * one. For work the server serializes anyway (a commit carrying a `NOTIFY`), where overlapping runs only queue.
   */
  readonly serial?: boolean;
  /**
   * When a batch goes (default `'immediate'`): after the current turn of the event loop (`setImmediate`), gathering
   * everything added by the I/O callbacks of that turn; or `'microtask'`: as soon as the code that added the first
   * item yields, gathering only what that callback and its promise continuations add — for stores where a round
   * trip is cheap (Redis), so an idle add does not wait for the rest of the turn (about 0.1 ms under light load).
   */
  readonly flush?: 'immediate' | 'microtask';
}

/**
 * Gathers the items added in one tick of the event loop and runs them as one batch (one pipeline, one statement),
 * in the order they were added, at most `maxBatch` per run. Each `add` settles with its own item's outcome, so a
 * failed item fails only the call that added it. When idle it adds no delay beyond one `setImmediate` (or one microtask); under load it
 * turns thousands of round trips into a few.
 */
export class TickBatcher<T, R = void> {
  private items: T[] = [];
  private waiting: Waiting<R>[] = [];
  private scheduled = false;
  private running = false;
  private readonly maxBatch: number;
  private readonly serial: boolean;
  private readonly schedule: (flush: () => void) => void;

  constructor(
    private readonly run: BatchRun<T, R>,
    options: TickBatcherOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? Number.POSITIVE_INFINITY;
    this.serial = options.serial ?? false;
    this.schedule = options.flush === 'microtask' ? queueMicrotask : setImmediate;
  }

  /** Resolves with `item`'s value once the batch holding it ran and it succeeded; rejects with its error otherwise. */
  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.items.push(item);
      this.waiting.push({ resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        this.schedule(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    if (this.items.length === 0 || (this.serial && this.running)) return;
    const items = this.items;
    const waiting = this.waiting;
    this.items = [];
    this.waiting = [];
    const runs: Promise<void>[] = [];
    for (let from = 0; from < items.length; from += this.maxBatch) {
      runs.push(
        this.runBatch(items.slice(from, from + this.maxBatch), waiting.slice(from, from + this.maxBatch)),
      );
    }
    if (!this.serial) return;
    this.running = true;
    void Promise.all(runs).then(() => {
      this.running = false;
      this.flush(); // what came in meanwhile, as one batch
    });
  }

  private runBatch(batch: readonly T[], callers: readonly Waiting<R>[]): Promise<void> {
    return this.run(batch).then(
      (outcomes) =>
        callers.forEach((caller, i) => {
          const outcome = outcomes?.[i];
          if (outcome && 'error' in outcome) caller.reject(outcome.error);
          else caller.resolve((outcome ? outcome.value : undefined) as R);
        }),
      (error: unknown) => callers.forEach((caller) => caller.reject(error)),
    );
  }
}
