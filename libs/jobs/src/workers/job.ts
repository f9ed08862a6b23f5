import type { JobDataOf, JobNameOf, QueueDefinition } from '../queues/queue-definition.js';

/**
 * The job a processor gets. On Redis it is BullMQ's own `Job` (every BullMQ method works); on Postgres an object with
 * these members. Code written against `Job` from `bullmq` keeps compiling.
 */
export interface Job<Data = unknown, Result = unknown, Name extends string = string> {
  /** The job id: the idempotency key's id when one was given. */
  readonly id?: string;
  readonly name: Name;
  readonly data: Data;
  readonly queueName: string;
  /** Attempts that failed before this one (0 on the first try). */
  readonly attemptsMade: number;
  readonly opts: { readonly attempts?: number; readonly priority?: number; readonly delay?: number };
  /** When it was enqueued (ms since the epoch). */
  readonly timestamp: number;
  /** Set once it completed. */
  returnvalue: Result;
}

/** The union of the jobs of a defined queue, each with its own name and data type. */
export type JobOf<Q extends QueueDefinition> = {
  [N in JobNameOf<Q>]: Job<JobDataOf<Q, N>, unknown, N>;
}[JobNameOf<Q>];
