import { describeZodIssue } from '@shoal/cluster/internal';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { InvalidEventsOptionsError } from './errors/invalid-events-options.error.js';
import { EVENTS_DEFAULTS, type EventBusModuleOptions } from './events-options.js';
import { MemoryEventHub } from './transport/memory-event.hub.js';

/** `EventBusModule` options after validation, with defaults applied. */
export interface EventsConfig {
  readonly transport?: 'redis' | 'postgres' | 'memory';
  readonly maxPayloadBytes: number;
  readonly outbox: { readonly createTable: boolean };
  readonly relay: {
    readonly mode: 'all' | 'off';
    readonly batchSize: number;
    readonly pollInterval: number;
    readonly retention: number;
    readonly recoveryWindow: number;
  };
  readonly handlers: {
    readonly maxAttempts: number;
    readonly backoff: { readonly initialDelay: number; readonly maxDelay: number };
    readonly concurrency: number;
    readonly idempotencyWindow: number;
  };
  readonly streams: {
    readonly maxLen: number;
    readonly claimIdleTime: number;
    readonly waitReplicas: number;
    readonly waitTimeout: number;
  };
  readonly log: { readonly retention: number; readonly pollInterval: number };
  readonly shutdownGracePeriod: number;
  readonly metricsRegistry?: Registry;
  readonly memoryHub?: MemoryEventHub;
  readonly allowMemoryStoreInProduction: boolean;
}

const ms = z.number().int('must be a whole number of milliseconds').positive('must be above 0');
const count = z.number().int('must be a whole number').positive('must be above 0');

const schema = z
  .strictObject({
    transport: z.enum(['redis', 'postgres', 'memory']).optional(),
    maxPayloadBytes: count.max(64 * 1024 * 1024, 'must be at most 64 MiB').optional(),
    outbox: z.strictObject({ createTable: z.boolean().optional() }).optional(),
    relay: z
      .strictObject({
        mode: z.enum(['all', 'off']).optional(),
        batchSize: count.max(10_000, 'must be at most 10000').optional(),
        pollInterval: ms.optional(),
        retention: ms.optional(),
        recoveryWindow: ms.optional(),
      })
      .optional(),
    handlers: z
      .strictObject({
        maxAttempts: count.optional(),
        backoff: z.strictObject({ initialDelay: ms.optional(), maxDelay: ms.optional() }).optional(),
        concurrency: count.optional(),
        idempotencyWindow: ms.optional(),
      })
      .optional(),
    streams: z
      .strictObject({
        maxLen: count.optional(),
        claimIdleTime: ms.optional(),
        waitReplicas: z.number().int().nonnegative().optional(),
        waitTimeout: ms.optional(),
      })
      .optional(),
    log: z.strictObject({ retention: ms.optional(), pollInterval: ms.optional() }).optional(),
    shutdownGracePeriod: z.number().int().nonnegative().optional(),
    metricsRegistry: z.instanceof(Registry).optional(),
    memoryHub: z.instanceof(MemoryEventHub).optional(),
    allowMemoryStoreInProduction: z.boolean().optional(),
  })
  .superRefine((options, ctx) => {
    const retention = options.relay?.retention ?? EVENTS_DEFAULTS.relay.retention;
    const window = options.relay?.recoveryWindow;
    if (window !== undefined && window > retention) {
      ctx.addIssue({
        code: 'custom',
        path: ['relay', 'recoveryWindow'],
        message:
          `(${window} ms) is longer than relay.retention (${retention} ms): rows older than the retention are ` +
          'deleted and cannot be re-published; lower recoveryWindow or raise retention',
      });
    }
  });

/**
 * Validates `EventBusModule` options and applies defaults.
 * @throws InvalidEventsOptionsError naming every offending option.
 */
export function resolveEventsConfig(options: EventBusModuleOptions = {}): EventsConfig {
  const parsed = schema.safeParse(options);
  if (!parsed.success)
    throw new InvalidEventsOptionsError(parsed.error.issues.map((issue) => describeZodIssue(issue)));
  const d = EVENTS_DEFAULTS;
  return {
    transport: options.transport,
    maxPayloadBytes: options.maxPayloadBytes ?? d.maxPayloadBytes,
    outbox: { createTable: options.outbox?.createTable ?? true },
    relay: {
      ...d.relay,
      ...options.relay,
      recoveryWindow: options.relay?.recoveryWindow ?? options.relay?.retention ?? d.relay.retention,
    },
    handlers: {
      ...d.handlers,
      ...options.handlers,
      backoff: { ...d.handlers.backoff, ...options.handlers?.backoff },
    },
    streams: { ...d.streams, ...options.streams },
    log: { ...d.log, ...options.log },
    shutdownGracePeriod: options.shutdownGracePeriod ?? d.shutdownGracePeriod,
    metricsRegistry: options.metricsRegistry,
    memoryHub: options.memoryHub,
    allowMemoryStoreInProduction: options.allowMemoryStoreInProduction ?? false,
  };
}
