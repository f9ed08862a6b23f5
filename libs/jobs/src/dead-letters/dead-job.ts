/** A job that failed its last attempt. */
export interface DeadJob {
  /** The dead letter's id (for `replay`). */
  readonly id: string;
  /** The id the job had on its queue. */
  readonly originalId: string;
  readonly queue: string;
  readonly name: string;
  readonly data: unknown;
  readonly error: string;
  readonly stack?: string;
  readonly attempts: number;
  readonly failedAt: string;
}
