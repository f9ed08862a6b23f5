interface Waiting {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * What a {@link TickBatcher} does with one batch: resolves with each item's error (`undefined` or `null`: that item
 * succeeded), or with nothing when all succeeded; a rejection fails every item of the batch.
 */
export type BatchRun<T> = (batch: readonly T[]) => Promise<readonly unknown[] | void>;

/**
 * Gathers the items added in one tick of the event loop and runs them as one batch (one pipeline, one statement),
 * in the order they were added, at most `maxBatch` per run. Each `add` settles with its own item's outcome, so a
 * failed item fails only the call that added it. When idle it adds no delay beyond one `setImmediate`; under load it
 * turns thousands of round trips into a few.
 */
export class TickBatcher<T> {
  private items: T[] = [];
  private waiting: Waiting[] = [];
  private scheduled = false;

  constructor(
    private readonly run: BatchRun<T>,
    private readonly maxBatch = Number.POSITIVE_INFINITY,
  ) {}

  /** Resolves once the batch holding `item` ran and `item` succeeded; rejects with its error otherwise. */
  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.items.push(item);
      this.waiting.push({ resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const items = this.items;
    const waiting = this.waiting;
    this.items = [];
    this.waiting = [];
    this.scheduled = false;
    for (let from = 0; from < items.length; from += this.maxBatch) {
      const callers = waiting.slice(from, from + this.maxBatch);
      this.run(items.slice(from, from + this.maxBatch)).then(
        (errors) =>
          callers.forEach((caller, i) => {
            const error = errors?.[i];
            if (error === undefined || error === null) caller.resolve();
            else caller.reject(error);
          }),
        (error: unknown) => callers.forEach((caller) => caller.reject(error)),
      );
    }
  }
}
