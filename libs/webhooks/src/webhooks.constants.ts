/** Injection token of the validated `WebhooksConfig`. */
export const WEBHOOKS_CONFIG = Symbol('shoal:webhooks-config');
/** The queue webhook deliveries run on. */
export const WEBHOOK_QUEUE = 'shoal-webhooks';
