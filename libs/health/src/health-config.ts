import { describeZodIssue } from '@shoal/cluster/internal';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { InvalidHealthOptionsError } from './errors/invalid-health-options.error.js';
import {
  HEALTH_DEFAULTS,
  type HealthModuleOptions,
  type QueueThresholds,
  type ShoalIndicatorKey,
} from './health-options.js';

/** `HealthModule` options after validation, with every default applied. */
export interface HealthConfig {
  readonly drainDelay: number;
  readonly shutdownGrace: number;
  readonly timeout: number;
  readonly readiness: readonly ShoalIndicatorKey[];
  readonly degradedOnThresholds: boolean;
  readonly queues: QueueThresholds;
  readonly outbox: { readonly maxBacklog?: number; readonly maxLag: number };
  readonly eventLoop: { readonly maxLag: number };
  readonly metricsRegistry?: Registry;
}

const ms = z.number().int('must be a whole number of milliseconds');
const count = z.number().int('must be a whole number').nonnegative('must be 0 or more');
const keys = ['redis', 'postgres', 'membership', 'leader', 'queues', 'outbox', 'cache', 'eventLoop'] as const;

const schema = z.strictObject({
  drainDelay: ms.nonnegative('must be 0 or more').optional(),
  shutdownGrace: ms.nonnegative('must be 0 or more').optional(),
  timeout: ms.positive('must be above 0').optional(),
  readiness: z.array(z.enum(keys)).optional(),
  degradedOnThresholds: z.boolean().optional(),
  queues: z.strictObject({ maxWaiting: count.optional(), maxDeadLetters: count.optional() }).optional(),
  outbox: z
    .strictObject({ maxBacklog: count.optional(), maxLag: ms.positive('must be above 0').optional() })
    .optional(),
  eventLoop: z.strictObject({ maxLag: ms.positive('must be above 0').optional() }).optional(),
  metricsRegistry: z.instanceof(Registry).optional(),
});

/**
 * Validates `HealthModule` options and applies defaults.
 * @throws InvalidHealthOptionsError naming every offending option and the fix.
 */
export function resolveHealthConfig(options: HealthModuleOptions = {}): HealthConfig {
  const parsed = schema.safeParse(options);
  if (!parsed.success) {
    throw new InvalidHealthOptionsError(parsed.error.issues.map((issue) => describeZodIssue(issue)));
  }
  return {
    drainDelay: options.drainDelay ?? HEALTH_DEFAULTS.drainDelay,
    shutdownGrace: options.shutdownGrace ?? HEALTH_DEFAULTS.shutdownGrace,
    timeout: options.timeout ?? HEALTH_DEFAULTS.timeout,
    readiness: [...new Set(options.readiness ?? HEALTH_DEFAULTS.readiness)],
    degradedOnThresholds: options.degradedOnThresholds ?? HEALTH_DEFAULTS.degradedOnThresholds,
    queues: { ...options.queues },
    outbox: {
      maxBacklog: options.outbox?.maxBacklog,
      maxLag: options.outbox?.maxLag ?? HEALTH_DEFAULTS.outboxMaxLag,
    },
    eventLoop: { maxLag: options.eventLoop?.maxLag ?? HEALTH_DEFAULTS.eventLoopMaxLag },
    metricsRegistry: options.metricsRegistry,
  };
}
