import { describeZodIssue } from '@shoal/cluster/internal';
import { Registry } from 'prom-client';
import { z } from 'zod';
import {
  CACHE_DEFAULTS,
  type CacheBusKind,
  type CacheModuleOptions,
  type CacheProvider,
} from './cache-options.js';
import { InvalidCacheOptionsError } from './errors/invalid-cache-options.error.js';

/** `CacheModule` options after validation, with every default applied. */
export interface CacheConfig {
  readonly provider: CacheProvider;
  readonly bus: CacheBusKind | false;
  readonly namespace: string;
  readonly ttl: number;
  readonly grace: number | false;
  readonly maxEntries: number;
  readonly timeout?: number;
  readonly hardTimeout?: number;
  readonly singleFlight:
    false | { readonly lockTtl: number; readonly wait: number; readonly pollInterval: number };
  readonly cacheManager: boolean;
  readonly metricsRegistry?: Registry;
}

/** What `ClusterModule` offers, which decides the defaults. */
export interface AvailableConnections {
  readonly hasRedis: boolean;
  readonly hasPostgres: boolean;
}

const ms = z.number().int('must be a whole number of milliseconds').positive('must be above 0');

/** Names used in keys, lock names and metric labels. */
export const CACHE_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

const schema = z.strictObject({
  provider: z.enum(['local', 'redis']).optional(),
  bus: z.union([z.enum(['redis', 'postgres']), z.literal(false)]).optional(),
  namespace: z
    .string()
    .regex(CACHE_NAME_PATTERN, 'must be 1-64 characters of letters, digits, _ and -')
    .optional(),
  ttl: ms.optional(),
  grace: z.union([ms, z.literal(false)]).optional(),
  maxEntries: z.number().int('must be a whole number').positive('must be above 0').optional(),
  timeout: z
    .number()
    .int('must be a whole number of milliseconds')
    .nonnegative('must be 0 or more')
    .optional(),
  hardTimeout: ms.optional(),
  singleFlight: z
    .union([
      z.boolean(),
      z.strictObject({
        lockTtl: ms.min(100, 'must be at least 100').optional(),
        wait: ms.optional(),
        pollInterval: ms.optional(),
      }),
    ])
    .optional(),
  cacheManager: z.boolean().optional(),
  metricsRegistry: z.instanceof(Registry).optional(),
});

/**
 * Validates `CacheModule` options against what `ClusterModule` offers and applies defaults.
 * @throws InvalidCacheOptionsError naming every offending option and the fix.
 */
export function resolveCacheConfig(
  options: CacheModuleOptions = {},
  available: AvailableConnections,
): CacheConfig {
  const parsed = schema.safeParse(options);
  if (!parsed.success) {
    throw new InvalidCacheOptionsError(parsed.error.issues.map((issue) => describeZodIssue(issue)));
  }
  const problems: string[] = [];
  const provider = options.provider ?? (available.hasRedis ? 'redis' : 'local');
  const bus =
    options.bus ?? (available.hasRedis ? 'redis' : available.hasPostgres ? 'postgres' : (false as const));
  if (provider === 'redis' && !available.hasRedis) {
    problems.push(
      "`provider` is 'redis' but ClusterModule has no `redis` connection: give it one, or use 'local'",
    );
  }
  if (bus === 'redis' && !available.hasRedis) {
    problems.push("`bus` is 'redis' but ClusterModule has no `redis` connection: use 'postgres' or false");
  }
  if (bus === 'postgres' && !available.hasPostgres) {
    problems.push("`bus` is 'postgres' but ClusterModule has no `postgres` connection: use 'redis' or false");
  }
  const singleFlight =
    options.singleFlight === undefined || options.singleFlight === false
      ? (false as const)
      : { ...CACHE_DEFAULTS.singleFlight, ...(options.singleFlight === true ? {} : options.singleFlight) };
  if (singleFlight && provider !== 'redis') {
    problems.push(
      "`singleFlight` needs provider 'redis': waiting replicas read the loaded value from Redis (with 'local' " +
        'each replica must load its own copy)',
    );
  }
  if (singleFlight && singleFlight.pollInterval >= singleFlight.wait) {
    problems.push(
      `\`singleFlight.pollInterval\` (${singleFlight.pollInterval} ms) must be below \`singleFlight.wait\` ` +
        `(${singleFlight.wait} ms)`,
    );
  }
  const grace = options.grace ?? CACHE_DEFAULTS.grace;
  if (options.timeout !== undefined && grace === false) {
    problems.push(
      '`timeout` only applies with a stale value to serve: set `grace` too, or use `hardTimeout`',
    );
  }
  if (problems.length > 0) throw new InvalidCacheOptionsError(problems);
  return {
    provider,
    bus,
    namespace: options.namespace ?? CACHE_DEFAULTS.namespace,
    ttl: options.ttl ?? CACHE_DEFAULTS.ttl,
    grace,
    maxEntries: options.maxEntries ?? CACHE_DEFAULTS.maxEntries,
    timeout: options.timeout,
    hardTimeout: options.hardTimeout,
    singleFlight,
    cacheManager: options.cacheManager ?? CACHE_DEFAULTS.cacheManager,
    metricsRegistry: options.metricsRegistry,
  };
}
