import { Cluster, Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { z } from 'zod';
import {
  CLUSTER_DEFAULTS,
  type ClusterModuleOptions,
  type MembershipStoreKind,
  type PostgresConnectionOption,
  type RedisConnectionOption,
} from './cluster-options.js';
import { isDataSource } from './connections/is-data-source.js';
import { InvalidClusterOptionsError } from './errors/invalid-cluster-options.error.js';
import { describeZodIssue } from './validation/describe-zod-issue.js';
import { NAME_CHARACTERS, namePattern } from './validation/names.js';
import { MemoryMembershipHub } from './membership/memory-membership.hub.js';

/** `ClusterModule` options after validation, with every default applied. */
export interface ClusterConfig {
  readonly redis?: RedisConnectionOption;
  readonly postgres?: PostgresConnectionOption;
  readonly store: MembershipStoreKind;
  readonly nodeId?: string;
  readonly prefix: string;
  readonly heartbeatInterval: number;
  readonly failureTimeout: number;
  readonly startupTimeout: number;
  readonly dataLossCheckInterval: number;
  readonly version?: string;
  readonly metadata: Record<string, string | number | boolean>;
  readonly nodeHeader: boolean;
  readonly metricsRegistry?: Registry;
  readonly allowMemoryStoreInProduction: boolean;
  readonly memoryHub?: MemoryMembershipHub;
}

const url = (protocols: string[], example: string) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL like ${example}` },
  );

const duration = z.number().int('must be a whole number of milliseconds').positive('must be above 0');

const redisOption = z.union([
  url(['redis:', 'rediss:'], 'redis://127.0.0.1:6379'),
  z.instanceof(Redis),
  z.instanceof(Cluster),
  z.looseObject({ cluster: z.array(z.unknown()).min(1, 'needs at least one seed node') }),
  z.looseObject({}),
]);

const schema = z
  .strictObject({
    redis: redisOption.optional(),
    postgres: z
      .union([
        url(['postgres:', 'postgresql:'], 'postgres://user@127.0.0.1:5432/db'),
        z.custom<object>(isDataSource, 'must be a postgres URL or a TypeORM DataSource'),
      ])
      .optional(),
    store: z.enum(['redis', 'postgres', 'memory']).optional(),
    nodeId: z.string().regex(namePattern(128), `must be 1-128 characters of ${NAME_CHARACTERS}`).optional(),
    prefix: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,39}$/, 'must be lower-case letters, digits and _, starting with a letter')
      .optional(),
    heartbeatInterval: duration.optional(),
    failureTimeout: duration.optional(),
    startupTimeout: duration.optional(),
    dataLossCheckInterval: duration.optional(),
    version: z.string().optional(),
    metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    nodeHeader: z.boolean().optional(),
    metricsRegistry: z.instanceof(Registry).optional(),
    allowMemoryStoreInProduction: z.boolean().optional(),
    memoryHub: z.instanceof(MemoryMembershipHub).optional(),
  })
  .superRefine((options, ctx) => {
    const heartbeat = options.heartbeatInterval ?? CLUSTER_DEFAULTS.heartbeatInterval;
    const timeout = options.failureTimeout ?? CLUSTER_DEFAULTS.failureTimeout;
    if (heartbeat * 2 > timeout) {
      ctx.addIssue({
        code: 'custom',
        path: ['heartbeatInterval'],
        message:
          `(${heartbeat} ms) must be at most half of failureTimeout (${timeout} ms), ` +
          'or one late heartbeat removes a healthy node: lower heartbeatInterval or raise failureTimeout',
      });
    }
    if (options.store === 'redis' && options.redis === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['store'],
        message: "is 'redis' but no `redis` connection is given",
      });
    }
    if (options.store === 'postgres' && options.postgres === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['store'],
        message: "is 'postgres' but no `postgres` connection is given",
      });
    }
    if (options.store === undefined && options.redis === undefined && options.postgres === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['store'],
        message: "cannot be chosen: give `redis` or `postgres`, or set store: 'memory' for a single process",
      });
    }
  });

/**
 * Validates `ClusterModule` options and applies defaults.
 * @throws InvalidClusterOptionsError naming every offending option.
 */
export function resolveClusterConfig(options: ClusterModuleOptions): ClusterConfig {
  const parsed = schema.safeParse(options ?? {});
  if (!parsed.success)
    throw new InvalidClusterOptionsError(parsed.error.issues.map((issue) => describeZodIssue(issue)));
  const o = options;
  return {
    redis: o.redis,
    postgres: o.postgres,
    store: o.store ?? (o.redis !== undefined ? 'redis' : 'postgres'),
    nodeId: o.nodeId,
    prefix: o.prefix ?? CLUSTER_DEFAULTS.prefix,
    heartbeatInterval: o.heartbeatInterval ?? CLUSTER_DEFAULTS.heartbeatInterval,
    failureTimeout: o.failureTimeout ?? CLUSTER_DEFAULTS.failureTimeout,
    startupTimeout: o.startupTimeout ?? CLUSTER_DEFAULTS.startupTimeout,
    dataLossCheckInterval: o.dataLossCheckInterval ?? CLUSTER_DEFAULTS.dataLossCheckInterval,
    version: o.version,
    metadata: o.metadata ?? {},
    nodeHeader: o.nodeHeader ?? false,
    metricsRegistry: o.metricsRegistry,
    allowMemoryStoreInProduction: o.allowMemoryStoreInProduction ?? false,
    memoryHub: o.memoryHub,
  };
}
