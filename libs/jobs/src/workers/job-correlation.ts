import { RequestContext } from '@shoal/cluster';
import type { Job, JobsOptions } from 'bullmq';

/** The job option that carries the correlation id of the context a job was enqueued in (BullMQ keeps it). */
const CORRELATION_OPTION = 'shoalCorrelationId';

/** `options` plus the current context's correlation id, if any. */
export function withCorrelation(options: JobsOptions): JobsOptions {
  const correlationId = RequestContext.correlationId();
  return correlationId ? ({ ...options, [CORRELATION_OPTION]: correlationId } as JobsOptions) : options;
}

/** Runs `fn` (a job's handler) in a context with the correlation id the job was enqueued with (else its id). */
export function runInJobContext<T>(job: Job, fn: () => T): T {
  const carried = (job.opts as Record<string, unknown>)[CORRELATION_OPTION];
  const correlationId = typeof carried === 'string' ? carried : String(job.id);
  return RequestContext.run({ correlationId, origin: 'job' }, fn);
}
