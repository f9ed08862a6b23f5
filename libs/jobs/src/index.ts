export { JobsModule, type RegisterQueueAsyncOptions } from './jobs.module.js';
export type { JobsModuleAsyncOptions } from './jobs.module-definition.js';
export {
  JOBS_DEFAULTS,
  type JobsModuleOptions,
  type JobRetryOptions,
  type QueueOptions,
} from './jobs-options.js';
export { JOBS_CONFIG } from './jobs.constants.js';
export type { JobsConfig } from './jobs-config.js';
export { JobsService, type EnqueueOptions } from './jobs.service.js';
export type { JobCounts } from './backend/jobs-backend.js';
export {
  defineQueue,
  type QueueDefinition,
  type JobSchemas,
  type JobNameOf,
  type JobInputOf,
  type JobDataOf,
} from './queues/queue-definition.js';
export { queueToken } from './queues/queue.token.js';
export { Processor } from './decorators/processor.decorator.js';
export { Process } from './decorators/process.decorator.js';
export { OnWorkerEvent, type WorkerEvent } from './decorators/on-worker-event.decorator.js';
export { InjectQueue } from './decorators/inject-queue.decorator.js';
export { WorkerHost } from './workers/worker-host.js';
export type { Job, JobOf } from './workers/job.js';
export { JobDeadLetters } from './dead-letters/job-dead-letters.js';
export type { DeadJob } from './dead-letters/dead-job.js';
export { jobIdFor } from './job-ids.js';
export { QueueFullError } from './errors/queue-full.error.js';
export { JobValidationError } from './errors/job-validation.error.js';
export { UnknownQueueError } from './errors/unknown-queue.error.js';
export { InvalidJobsOptionsError } from './errors/invalid-jobs-options.error.js';
export { UnrecoverableError } from 'bullmq';
