/** The second argument of a `@Process()` method. */
export interface JobContext {
  readonly id: string;
  readonly name: string;
  readonly queue: string;
  /** 1 on the first try. */
  readonly attempt: number;
  readonly maxAttempts: number;
}
