import { describeZodIssue } from '@shoal/cluster/internal';
import { z } from 'zod';
import { InvalidWebhooksOptionsError } from './errors/invalid-webhooks-options.error.js';
import { WEBHOOKS_DEFAULTS, type WebhooksModuleOptions } from './webhooks-options.js';

/** `WebhooksModule` options after validation, with defaults applied. */
export interface WebhooksConfig {
  readonly allowPrivateNetworks: boolean;
  readonly allowList: readonly string[];
  readonly concurrency: number;
  readonly connectTimeout: number;
  readonly timeout: number;
  readonly schedule: readonly number[];
  readonly circuitBreaker: { readonly failureThreshold: number; readonly cooldown: number };
}

const ms = z.number().int('must be a whole number of milliseconds').positive('must be above 0');

const optionsSchema = z.strictObject({
  allowPrivateNetworks: z.boolean().optional(),
  allowList: z.array(z.string().min(1)).optional(),
  concurrency: z.number().int().positive('must be above 0').optional(),
  connectTimeout: ms.optional(),
  timeout: ms.optional(),
  schedule: z.array(z.number().int().nonnegative()).min(1, 'needs at least one attempt').optional(),
  circuitBreaker: z
    .strictObject({ failureThreshold: z.number().int().positive().optional(), cooldown: ms.optional() })
    .optional(),
});

/** Validates `WebhooksModule.forRoot` options. @throws InvalidWebhooksOptionsError */
export function resolveWebhooksConfig(options: WebhooksModuleOptions = {}): WebhooksConfig {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success)
    throw new InvalidWebhooksOptionsError(parsed.error.issues.map((i) => describeZodIssue(i, 'forRoot')));
  const d = WEBHOOKS_DEFAULTS;
  return {
    allowPrivateNetworks: options.allowPrivateNetworks ?? false,
    allowList: options.allowList ?? [],
    concurrency: options.concurrency ?? d.concurrency,
    connectTimeout: options.connectTimeout ?? d.connectTimeout,
    timeout: options.timeout ?? d.timeout,
    schedule: options.schedule ?? d.schedule,
    circuitBreaker: { ...d.circuitBreaker, ...options.circuitBreaker },
  };
}
