export { JobsModule } from './jobs.module.js';
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
export type { RegisteredQueue } from './queues/queue-registry.js';
export { queueToken } from './queues/queue.token.js';
export { Processor, Process } from './decorators/processor.decorators.js';
export type { JobContext } from './workers/job-context.js';
export { JobDeadLetters, type DeadJob } from './dead-letters/job-dead-letters.js';
export { jobIdFor } from './job-ids.js';
export { QueueFullError } from './errors/queue-full.error.js';
export { JobValidationError } from './errors/job-validation.error.js';
export { UnknownQueueError } from './errors/unknown-queue.error.js';
export { InvalidJobsOptionsError } from './errors/invalid-jobs-options.error.js';
export { UnrecoverableError } from 'bullmq';
