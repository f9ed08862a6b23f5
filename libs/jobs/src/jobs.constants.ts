/** Injection token of the validated `JobsConfig`. */
export const JOBS_CONFIG = Symbol('shoal:jobs-config');
/** The queue webhook deliveries run on. */
export const WEBHOOK_QUEUE = 'shoal-webhooks';
