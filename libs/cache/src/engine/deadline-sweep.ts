import { OperationTimeoutError } from '@shoal/cluster/internal';

interface Pending {
  readonly deadline: number;
  readonly expire: () => void;
}

/**
 * Bounds operations in time like `withTimeout`, without a timer per operation (on a Redis round trip of ~50 µs a
 * timer set and cleared each time cost ~10 % of the throughput): one unref'd interval, running only while
 * operations are pending, rejects those past their deadline. An operation is rejected between `ms` and
 * `ms × 1.25` after it started.
 */
export class DeadlineSweep {
  private readonly pending = new Set<Pending>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly ms: number) {}

  /** `operation`, or an `OperationTimeoutError` naming `what` once the deadline passed. */
  bound<T>(operation: Promise<T>, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = {
        deadline: Date.now() + this.ms,
        expire: () => reject(new OperationTimeoutError(what, this.ms)),
      };
      this.pending.add(entry);
      this.timer ??= setInterval(() => this.sweep(), this.ms / 4).unref();
      operation.then(
        (value) => {
          this.pending.delete(entry);
          resolve(value);
        },
        (error: unknown) => {
          this.pending.delete(entry);
          reject(error as Error);
        },
      );
    });
  }

  private sweep(): void {
    const now = Date.now();
    for (const entry of this.pending) {
      if (now < entry.deadline) continue;
      this.pending.delete(entry);
      entry.expire();
    }
    if (this.pending.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
