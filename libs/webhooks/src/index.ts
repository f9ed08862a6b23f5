export { WebhooksModule } from './webhooks.module.js';
export type { WebhooksModuleAsyncOptions } from './webhooks.module-definition.js';
export { WEBHOOKS_DEFAULTS, type WebhooksModuleOptions } from './webhooks-options.js';
export type { WebhooksConfig } from './webhooks-config.js';
export { WEBHOOK_QUEUE } from './webhooks.constants.js';
export { WebhookService } from './webhook.service.js';
export type { WebhookEndpoint, WebhookAttempt, WebhookTargetPolicy } from './endpoints/webhook-store.js';
export { UnsafeWebhookTargetError } from './errors/unsafe-webhook-target.error.js';
export { InvalidWebhooksOptionsError } from './errors/invalid-webhooks-options.error.js';
export { SsrfGuard, type SsrfGuardOptions } from './ssrf/ssrf-guard.js';
export { signWebhook, generateWebhookSecret, InvalidWebhookSecretError } from './signing/webhook-signer.js';
export {
  RetryPolicy,
  classifyResponse,
  parseRetryAfter,
  DEFAULT_RETRY_SCHEDULE_MS,
} from './delivery/retry-policy.js';
export { CircuitBreaker } from './delivery/circuit-breaker.js';
export { WebhookHttpClient } from './delivery/webhook-http-client.js';
