import { RequestContext } from '@shoal/cluster';
import type { Job } from './job.js';

/** The job option that carries the correlation id of the context a job was enqueued in (kept by every backend). */
export const CORRELATION_OPTION = 'shoalCorrelationId';

/** The correlation id of the current context, to enqueue a job with. */
export function currentCorrelationId(): string | undefined {
  return RequestContext.correlationId();
}

/** Runs `fn` (a job's handler) in a context with the correlation id the job was enqueued with (else its id). */
export function runInJobContext<T>(job: Job, fn: () => T): T {
  const carried = (job.opts as Record<string, unknown>)[CORRELATION_OPTION];
  const correlationId = typeof carried === 'string' ? carried : String(job.id);
  return RequestContext.run({ correlationId, origin: 'job' }, fn);
}
