import { UnrecoverableError } from 'bullmq';
import type { Job } from './job.js';

type Handlers = ReadonlyMap<string, (job: Job) => unknown>;

/** The `@Process` methods of each processor by job name (`*`: any other), set by Shoal at start-up. */
const processHandlers = new WeakMap<object, Handlers>();

/** @internal Binds a processor's `@Process` methods for the default `process`. */
export function bindProcessHandlers(host: object, handlers: Handlers): void {
  processHandlers.set(host, handlers);
}

/**
 * The base class of a `@Processor`, shaped like `@nestjs/bullmq`'s: implement `process(job)` for every job of the
 * queue, or leave it and give methods `@Process('name')`, which this default `process` dispatches to by job name.
 *
 * Guarantee: a job is processed at least once or dead-lettered with its error (never silently lost); a job can run
 * twice when a worker dies mid-job, so make `process` idempotent.
 */
export abstract class WorkerHost<J extends Job = Job> {
  /** Runs one job; the resolved value is its result, a throw retries it (`UnrecoverableError`: dead-letters it). */
  process(job: J): Promise<unknown> {
    const handlers = processHandlers.get(this);
    const handler = handlers?.get(job.name) ?? handlers?.get('*');
    if (!handler) {
      return Promise.reject(
        new UnrecoverableError(
          `${this.constructor.name} has no @Process('${job.name}') and does not override process()`,
        ),
      );
    }
    return Promise.resolve(handler(job));
  }
}
