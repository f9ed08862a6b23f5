/**
 * What Shoal's own modules built on jobs share (`@shoal/webhooks`): registering an internal queue, its handler and a
 * custom backoff. Not part of the public API and not covered by semver — import `@shoal/jobs` instead.
 * @packageDocumentation
 */
export { QueueRegistry } from './queues/queue-registry.js';
export { JobWorkers, type JobHandler, type BackoffStrategy } from './workers/job-workers.js';
export type { JobControl } from './backend/jobs-backend.js';
export type { JobAddOptions } from './jobs.service.js';
