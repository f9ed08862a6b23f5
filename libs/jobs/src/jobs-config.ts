import { describeZodIssue } from '@shoal/cluster/internal';
import { z } from 'zod';
import { InvalidJobsOptionsError } from './errors/invalid-jobs-options.error.js';
import { JOBS_DEFAULTS, type JobsModuleOptions, type QueueOptions } from './jobs-options.js';

/** `JobsModule` options after validation, with defaults applied. */
export interface JobsConfig {
  readonly attempts: number;
  readonly backoff: { readonly delay: number; readonly jitter: number };
  readonly keepCompleted: number;
  readonly keepFailed: number;
  /** Chosen by `createJobsBackend` when not set. */
  readonly backend?: 'redis' | 'postgres';
  readonly postgres: { readonly pollInterval: number };
  readonly workers: boolean;
  readonly shutdownGracePeriod: number;
  readonly stalled: {
    readonly lockDuration: number;
    readonly stalledInterval: number;
    readonly maxStalledCount: number;
  };
}

const ms = z.number().int('must be a whole number of milliseconds').positive('must be above 0');
const count = z.number().int('must be a whole number').positive('must be above 0');
const retry = {
  attempts: count.max(100, 'must be at most 100').optional(),
  backoff: z
    .strictObject({
      delay: ms.optional(),
      jitter: z.number().min(0).max(1, 'must be between 0 and 1').optional(),
    })
    .optional(),
};

const optionsSchema = z.strictObject({
  defaults: z
    .strictObject({ ...retry, keepCompleted: count.optional(), keepFailed: count.optional() })
    .optional(),
  backend: z.enum(['redis', 'postgres']).optional(),
  postgres: z.strictObject({ pollInterval: ms.optional() }).optional(),
  workers: z.boolean().optional(),
  shutdownGracePeriod: z.number().int().nonnegative().optional(),
  stalled: z
    .strictObject({
      lockDuration: ms.optional(),
      stalledInterval: ms.optional(),
      maxStalledCount: count.optional(),
    })
    .optional(),
});

export const queueOptionsSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, 'must be 1-100 letters, digits, _ . -'),
  ...retry,
  concurrency: count.optional(),
  limiter: z.strictObject({ max: count, duration: ms }).optional(),
  maxWaiting: count.optional(),
  jobs: z
    .record(
      z.string(),
      z.custom<z.ZodType>((v) => v instanceof z.ZodType, 'must be a zod schema'),
    )
    .optional(),
});

/** Validates `JobsModule.forRoot` options. @throws InvalidJobsOptionsError */
export function resolveJobsConfig(options: JobsModuleOptions = {}): JobsConfig {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success)
    throw new InvalidJobsOptionsError(parsed.error.issues.map((i) => describeZodIssue(i, 'forRoot')));
  const d = JOBS_DEFAULTS;
  const stalled = { ...d.stalled, ...options.stalled };
  if (stalled.stalledInterval > stalled.lockDuration) {
    throw new InvalidJobsOptionsError([
      `forRoot: \`stalled.stalledInterval\` (${stalled.stalledInterval}) must not exceed \`stalled.lockDuration\` (${stalled.lockDuration})`,
    ]);
  }
  return {
    attempts: options.defaults?.attempts ?? d.attempts,
    backoff: { ...d.backoff, ...options.defaults?.backoff },
    keepCompleted: options.defaults?.keepCompleted ?? d.keepCompleted,
    keepFailed: options.defaults?.keepFailed ?? d.keepFailed,
    backend: options.backend,
    postgres: { ...d.postgres, ...options.postgres },
    workers: options.workers ?? true,
    shutdownGracePeriod: options.shutdownGracePeriod ?? d.shutdownGracePeriod,
    stalled,
  };
}

/** Validates `registerQueue` options. @throws InvalidJobsOptionsError */
export function validateQueueOptions(options: QueueOptions): QueueOptions {
  const parsed = queueOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const where = `registerQueue(${JSON.stringify(options?.name ?? '?')})`;
    throw new InvalidJobsOptionsError(parsed.error.issues.map((i) => describeZodIssue(i, where)));
  }
  return options;
}
