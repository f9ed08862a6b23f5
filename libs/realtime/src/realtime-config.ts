import { describeZodIssue } from '@shoal/cluster/internal';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { InvalidRealtimeOptionsError } from './errors/invalid-realtime-options.error.js';
import {
  REALTIME_DEFAULTS,
  defaultUserRoom,
  type RealtimeAdapterKind,
  type RealtimeAuthenticate,
  type RealtimeModuleOptions,
} from './realtime-options.js';
import type { ServerOptions } from 'socket.io';

/** `RealtimeModule` options after validation, with every default applied and the adapter chosen. */
export interface RealtimeConfig {
  readonly adapter: RealtimeAdapterKind;
  readonly sockets: boolean;
  readonly namespace: string;
  readonly authenticate?: RealtimeAuthenticate;
  readonly unauthorizedMessage: string;
  readonly userRoom: (userId: string) => string;
  readonly presence: boolean;
  readonly queryTimeout: number;
  readonly shutdownGracePeriod: number;
  readonly server: Partial<ServerOptions>;
  readonly subscriptionMode: 'static' | 'dynamic' | 'dynamic-private';
  readonly streamMaxLen: number;
  readonly maxDisconnectionDuration: number;
  readonly sseHeartbeatInterval: number;
  readonly fanoutProbeInterval: number;
  readonly metricsRegistry?: Registry;
  readonly allowMemoryStoreInProduction: boolean;
}

/** Which connections `ClusterModule` has: they decide the default adapter and what is possible. */
export interface AvailableConnections {
  readonly hasRedis: boolean;
  readonly hasPostgres: boolean;
}

const ms = z.number().int('must be a whole number of milliseconds').positive('must be above 0');
const fn = (what: string) =>
  z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', `must be ${what}`);

const schema = z.strictObject({
  adapter: z.enum(['redis', 'sharded', 'streams', 'postgres', 'memory']).optional(),
  sockets: z.boolean().optional(),
  namespace: z
    .string()
    .regex(/^\/[A-Za-z0-9._~-]*(\/[A-Za-z0-9._~-]+)*$/, "must start with '/' (e.g. '/' or '/live')")
    .optional(),
  authenticate: fn('a function (handshake) => user | null').optional(),
  unauthorizedMessage: z.string().min(1, 'must not be empty').max(200).optional(),
  userRoom: fn('a function (userId) => room').optional(),
  presence: z.boolean().optional(),
  queryTimeout: ms.max(60_000, 'must be at most 60000').optional(),
  shutdownGracePeriod: z.number().int().nonnegative('must be 0 or more').optional(),
  server: z.record(z.string(), z.unknown()).optional(),
  subscriptionMode: z.enum(['static', 'dynamic', 'dynamic-private']).optional(),
  streamMaxLen: z.number().int().positive().optional(),
  maxDisconnectionDuration: ms.optional(),
  sseHeartbeatInterval: ms.min(1000, 'must be at least 1000').optional(),
  fanoutProbeInterval: z.number().int().nonnegative('must be 0 (off) or more').optional(),
  metricsRegistry: z.instanceof(Registry).optional(),
  allowMemoryStoreInProduction: z.boolean().optional(),
});

function crossChecks(
  options: RealtimeModuleOptions,
  adapter: RealtimeAdapterKind,
  connections: AvailableConnections,
) {
  const problems: string[] = [];
  const needsRedis = adapter === 'redis' || adapter === 'sharded' || adapter === 'streams';
  if (needsRedis && !connections.hasRedis) {
    problems.push(
      `\`adapter\` is '${adapter}' but ClusterModule has no \`redis\`: give it one, or use adapter: 'postgres'`,
    );
  }
  if (adapter === 'postgres' && !connections.hasPostgres) {
    problems.push(
      "`adapter` is 'postgres' but ClusterModule has no `postgres`: give it one, or use a Redis adapter",
    );
  }
  if (options.presence === true && !options.authenticate) {
    problems.push(
      '`presence` is true but there is no `authenticate`: presence is per user, so give `authenticate`',
    );
  }
  if (options.server && 'adapter' in options.server) {
    problems.push('`server.adapter` is set by RealtimeModule from `adapter`: remove it');
  }
  if (options.maxDisconnectionDuration !== undefined && adapter !== 'streams') {
    problems.push(
      "`maxDisconnectionDuration` only applies to adapter: 'streams' (connection-state recovery)",
    );
  }
  if (options.subscriptionMode !== undefined && adapter !== 'sharded') {
    problems.push("`subscriptionMode` only applies to adapter: 'sharded'");
  }
  return problems;
}

/**
 * Validates `RealtimeModule` options and applies defaults. The adapter defaults to `redis` when ClusterModule has
 * Redis, else `postgres`.
 * @throws InvalidRealtimeOptionsError naming every offending option.
 */
export function resolveRealtimeConfig(
  options: RealtimeModuleOptions = {},
  connections: AvailableConnections,
): RealtimeConfig {
  const parsed = schema.safeParse(options);
  if (!parsed.success) {
    throw new InvalidRealtimeOptionsError(parsed.error.issues.map((issue) => describeZodIssue(issue)));
  }
  const adapter: RealtimeAdapterKind =
    options.adapter ?? (connections.hasRedis ? 'redis' : connections.hasPostgres ? 'postgres' : 'memory');
  const problems = crossChecks(options, adapter, connections);
  if (problems.length > 0) throw new InvalidRealtimeOptionsError(problems);
  const d = REALTIME_DEFAULTS;
  return {
    adapter,
    sockets: options.sockets ?? d.sockets,
    namespace: options.namespace ?? d.namespace,
    authenticate: options.authenticate,
    unauthorizedMessage: options.unauthorizedMessage ?? d.unauthorizedMessage,
    userRoom: options.userRoom ?? defaultUserRoom,
    presence: (options.presence ?? d.presence) && options.authenticate !== undefined,
    queryTimeout: options.queryTimeout ?? d.queryTimeout,
    shutdownGracePeriod: options.shutdownGracePeriod ?? d.shutdownGracePeriod,
    server: options.server ?? {},
    subscriptionMode: options.subscriptionMode ?? d.subscriptionMode,
    streamMaxLen: options.streamMaxLen ?? d.streamMaxLen,
    maxDisconnectionDuration: options.maxDisconnectionDuration ?? d.maxDisconnectionDuration,
    sseHeartbeatInterval: options.sseHeartbeatInterval ?? d.sseHeartbeatInterval,
    fanoutProbeInterval: options.fanoutProbeInterval ?? d.fanoutProbeInterval,
    metricsRegistry: options.metricsRegistry,
    allowMemoryStoreInProduction: options.allowMemoryStoreInProduction ?? false,
  };
}
