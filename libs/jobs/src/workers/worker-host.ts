import { UnrecoverableError } from 'bullmq';
import type { Job } from './job.js';

/**
 * The base class of a `@Processor`, shaped like `@nestjs/bullmq`'s: implement `process(job)` for every job of the
 * queue, or leave it and give methods `@Process('name')`, which this default `process` dispatches to by job name.
 *
 * Guarantee: a job is processed at least once or dead-lettered with its error (never silently lost); a job can run
 * twice when a worker dies mid-job, so make `process` idempotent.
 */
export abstract class WorkerHost<J extends Job = Job> {
  /** @internal Set by Shoal: the `@Process` methods of this processor by job name (`*`: any other). */
  handlers?: ReadonlyMap<string, (job: J) => unknown>;

  /** Runs one job; the resolved value is its result, a throw retries it. */
  process(job: J): Promise<unknown> {
    const handler = this.handlers?.get(job.name) ?? this.handlers?.get('*');
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
