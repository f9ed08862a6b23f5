import { describeZodIssue } from '@shoal/cluster/internal';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { InvalidLeaderOptionsError } from './errors/invalid-leader-options.error.js';
import { LEADER_DEFAULTS, type LeaderModuleOptions } from './leader-options.js';
import { MemoryLeaseHub } from './leases/memory-lease.hub.js';

/** `LeaderModule` options after validation, with defaults applied. */
export interface LeaderConfig {
  readonly store?: 'redis' | 'postgres' | 'memory';
  readonly leaseTtl: number;
  readonly renewInterval: number;
  readonly retryInterval: number;
  readonly leases: readonly string[];
  readonly shutdownGracePeriod: number;
  readonly processRestart: { readonly initialDelay: number; readonly maxDelay: number };
  readonly locks: {
    readonly ttl: number;
    readonly wait: number;
    readonly retryDelay: number;
    readonly retryJitter: number;
  };
  readonly metricsRegistry?: Registry;
  readonly memoryHub?: MemoryLeaseHub;
  readonly allowMemoryStoreInProduction: boolean;
}

const ms = z.number().int('must be a whole number of milliseconds').positive('must be above 0');
const msOrZero = z.number().int('must be a whole number of milliseconds').nonnegative('must be 0 or more');
/** Lease and lock names: used in Redis keys and Postgres rows. */
export const LEASE_NAME_PATTERN = /^[A-Za-z0-9._:/-]{1,200}$/;
export const leaseNameSchema = z
  .string()
  .regex(LEASE_NAME_PATTERN, 'must be 1-200 characters of letters, digits and . _ : / -');

const schema = z
  .strictObject({
    store: z.enum(['redis', 'postgres', 'memory']).optional(),
    leaseTtl: ms.min(100, 'must be at least 100').optional(),
    renewInterval: ms.optional(),
    retryInterval: ms.optional(),
    leases: z.array(leaseNameSchema).optional(),
    shutdownGracePeriod: msOrZero.optional(),
    processRestart: z.strictObject({ initialDelay: ms.optional(), maxDelay: ms.optional() }).optional(),
    locks: z
      .strictObject({
        ttl: ms.optional(),
        wait: msOrZero.optional(),
        retryDelay: ms.optional(),
        retryJitter: msOrZero.optional(),
      })
      .optional(),
    metricsRegistry: z.instanceof(Registry).optional(),
    memoryHub: z.instanceof(MemoryLeaseHub).optional(),
    allowMemoryStoreInProduction: z.boolean().optional(),
  })
  .superRefine((o, ctx) => {
    const ttl = o.leaseTtl ?? LEADER_DEFAULTS.leaseTtl;
    if (o.renewInterval !== undefined && o.renewInterval * 2 > ttl) {
      ctx.addIssue({
        code: 'custom',
        path: ['renewInterval'],
        message:
          `(${o.renewInterval} ms) must be at most half of leaseTtl (${ttl} ms), or one slow renewal loses the ` +
          'lease: lower renewInterval or raise leaseTtl (default renewInterval is leaseTtl / 3)',
      });
    }
    if (o.retryInterval !== undefined && o.retryInterval > ttl) {
      ctx.addIssue({
        code: 'custom',
        path: ['retryInterval'],
        message: `(${o.retryInterval} ms) must not exceed leaseTtl (${ttl} ms), or failover waits on it`,
      });
    }
  });

/**
 * Validates `LeaderModule` options and applies defaults.
 * @throws InvalidLeaderOptionsError naming every offending option.
 */
export function resolveLeaderConfig(options: LeaderModuleOptions = {}): LeaderConfig {
  const parsed = schema.safeParse(options);
  if (!parsed.success)
    throw new InvalidLeaderOptionsError(parsed.error.issues.map((issue) => describeZodIssue(issue)));
  const leaseTtl = options.leaseTtl ?? LEADER_DEFAULTS.leaseTtl;
  return {
    store: options.store,
    leaseTtl,
    renewInterval: options.renewInterval ?? Math.floor(leaseTtl / 3),
    retryInterval: options.retryInterval ?? Math.min(LEADER_DEFAULTS.retryInterval, leaseTtl),
    leases: options.leases ?? [],
    shutdownGracePeriod: options.shutdownGracePeriod ?? LEADER_DEFAULTS.shutdownGracePeriod,
    processRestart: { ...LEADER_DEFAULTS.processRestart, ...options.processRestart },
    locks: { ...LEADER_DEFAULTS.locks, ...options.locks },
    metricsRegistry: options.metricsRegistry,
    memoryHub: options.memoryHub,
    allowMemoryStoreInProduction: options.allowMemoryStoreInProduction ?? false,
  };
}
