import type { ZodType, z } from 'zod';
import type { QueueOptions } from '../jobs-options.js';

/** Zod schemas of a queue's job data, by job name. */
export type JobSchemas = Record<string, ZodType>;

/** A queue's options with its name and job schemas kept in the type, from `defineQueue`. */
export type QueueDefinition<Name extends string = string, Jobs extends JobSchemas = JobSchemas> = Omit<
  QueueOptions,
  'name' | 'jobs'
> & {
  readonly name: Name;
  readonly jobs: Jobs;
};

/** The job names of a defined queue. */
export type JobNameOf<Q extends QueueDefinition> = keyof Q['jobs'] & string;

/** What `enqueue` accepts as the data of job `N` of queue `Q` (the schema's input type). */
export type JobInputOf<Q extends QueueDefinition, N extends JobNameOf<Q>> = z.input<Q['jobs'][N]>;

/** The data a handler gets for job `N` of queue `Q` (the schema's output type). */
export type JobDataOf<Q extends QueueDefinition, N extends JobNameOf<Q>> = z.output<Q['jobs'][N]>;

/**
 * Declares a queue whose job names and data types the compiler knows: `JobsModule.registerQueue(def)` registers it,
 * `jobs.enqueue(def, 'name', data)` checks `data` against the schema's type at compile time (and at run time), and
 * `WorkerHost<JobOf<typeof def>>` types the jobs a processor gets.
 *
 * ```ts
 * export const emails = defineQueue({ name: 'emails', jobs: { 'send-receipt': z.object({ orderId: z.uuid() }) } });
 * ```
 */
export function defineQueue<const Name extends string, const Jobs extends JobSchemas>(
  options: Omit<QueueOptions, 'name' | 'jobs'> & { name: Name; jobs: Jobs },
): QueueDefinition<Name, Jobs> {
  return options;
}
