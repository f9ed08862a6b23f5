export { JobsModule } from './jobs.module.js';
export type { JobsModuleAsyncOptions } from './jobs.module-definition.js';
export {
  JOBS_DEFAULTS,
  type JobsModuleOptions,
  type JobRetryOptions,
  type QueueOptions,
} from './jobs-options.js';
export { resolveJobsConfig, type JobsConfig } from './jobs-config.js';
export { JOBS_CONFIG, WEBHOOK_QUEUE } from './jobs.constants.js';
export { JobsService, type EnqueueOptions } from './jobs.service.js';
export { QueueRegistry, type RegisteredQueue } from './queues/queue-registry.js';
export { queueToken } from './queues/queue.token.js';
export { Processor, Process } from './decorators/processor.decorators.js';
export type { JobContext } from './workers/job-context.js';
export { WorkerHost, type JobHandler } from './workers/worker-host.js';
export { JobDeadLetters, type DeadJob } from './dead-letters/job-dead-letters.js';
export { jobIdFor } from './job-ids.js';
export { QueueFullError } from './errors/queue-full.error.js';
export { JobValidationError } from './errors/job-validation.error.js';
export { UnknownQueueError } from './errors/unknown-queue.error.js';
export { InvalidJobsOptionsError } from './errors/invalid-jobs-options.error.js';
export { WebhookService } from './webhooks/webhook.service.js';
export type { WebhookEndpoint, WebhookAttempt } from './webhooks/webhook-store.js';
export { UnsafeWebhookTargetError } from './webhooks/unsafe-webhook-target.error.js';
export { SsrfGuard, type SsrfGuardOptions } from './webhooks/ssrf-guard.js';
export { signWebhook, generateWebhookSecret, InvalidWebhookSecretError } from './webhooks/webhook-signer.js';
export {
  RetryPolicy,
  classifyResponse,
  parseRetryAfter,
  DEFAULT_RETRY_SCHEDULE_MS,
} from './webhooks/retry-policy.js';
export { CircuitBreaker } from './webhooks/circuit-breaker.js';
export { WebhookHttpClient } from './webhooks/webhook-http-client.js';
