import { describeZodIssue } from '@shoal/cluster/internal';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { InvalidMessagingOptionsError } from './errors/invalid-messaging-options.error.js';
import { MESSAGING_DEFAULTS, type MessagingModuleOptions } from './messaging-options.js';

/** `MessagingModule` options after validation, with every default applied. */
export interface MessagingConfig {
  readonly timeout: number;
  readonly shards: number;
  readonly maxInFlight: number;
  readonly maxPending: number;
  readonly maxShardBacklog: number;
  readonly shardBatch: number;
  readonly registryRefreshInterval: number;
  /** Entity types with a passivation time. */
  readonly entities: Readonly<Record<string, { readonly passivateAfterMs: number }>>;
  readonly metricsRegistry?: Registry;
}

const ms = z.number().int('must be a whole number of milliseconds').positive('must be above 0');
const count = z.number().int('must be a whole number').positive('must be above 0');

const schema = z.strictObject({
  timeout: ms.optional(),
  shards: count.max(65_536, 'must be at most 65536').optional(),
  maxInFlight: count.optional(),
  maxPending: count.optional(),
  maxShardBacklog: count.optional(),
  shardBatch: count.max(1000, 'must be at most 1000').optional(),
  registryRefreshInterval: ms.optional(),
  entities: z.record(z.string().min(1), z.strictObject({ passivateAfterMs: ms.optional() })).optional(),
  metricsRegistry: z.instanceof(Registry).optional(),
});

/**
 * Validates `MessagingModule` options and applies defaults.
 * @throws InvalidMessagingOptionsError naming every offending option and the fix.
 */
export function resolveMessagingConfig(
  options: MessagingModuleOptions = {},
  available: { readonly hasRedis: boolean },
): MessagingConfig {
  const parsed = schema.safeParse(options);
  if (!parsed.success) {
    throw new InvalidMessagingOptionsError(parsed.error.issues.map((issue) => describeZodIssue(issue)));
  }
  if (!available.hasRedis) {
    throw new InvalidMessagingOptionsError([
      'MessagingModule needs a `redis` connection in ClusterModule (replies travel over Redis pub/sub, shard ' +
        'streams are Redis streams)',
    ]);
  }
  const entities: Record<string, { passivateAfterMs: number }> = {};
  for (const [type, entity] of Object.entries(parsed.data.entities ?? {})) {
    if (entity.passivateAfterMs !== undefined) entities[type] = { passivateAfterMs: entity.passivateAfterMs };
  }
  const config: MessagingConfig = {
    ...MESSAGING_DEFAULTS,
    ...parsed.data,
    entities,
    metricsRegistry: options.metricsRegistry,
  };
  if (config.shardBatch > config.maxShardBacklog) {
    throw new InvalidMessagingOptionsError([
      `\`shardBatch\` (${config.shardBatch}) must not exceed \`maxShardBacklog\` (${config.maxShardBacklog})`,
    ]);
  }
  return config;
}
