import type { ClusterNode, ClusterOptions, Cluster, Redis, RedisOptions } from 'ioredis';
import type { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { MemoryMembershipHub } from './membership/memory-membership.hub.js';

/** A Redis Cluster given by its seed nodes. */
export interface RedisClusterConnectionOptions {
  cluster: ClusterNode[];
  options?: ClusterOptions;
}

/**
 * How Shoal reaches Redis: a `redis://` / `rediss://` URL, an ioredis options object (standalone, or Sentinel with
 * `sentinels` + `name`), `{ cluster: [...] }` for Redis Cluster, or a `Redis` / `Cluster` instance the app already
 * has. Shoal closes only connections it created.
 */
export type RedisConnectionOption = string | RedisOptions | RedisClusterConnectionOptions | Redis | Cluster;

/** How Shoal reaches PostgreSQL: a `postgres://` URL, or a TypeORM `DataSource` the app already has. */
export type PostgresConnectionOption = string | DataSource;

/** Where membership lives. */
export type MembershipStoreKind = 'redis' | 'postgres' | 'memory';

/** Options of `ClusterModule.forRoot()`. Every duration is in milliseconds. */
export interface ClusterModuleOptions {
  /** Redis connection, shared with every other Shoal module. */
  redis?: RedisConnectionOption;
  /** PostgreSQL connection, shared with every other Shoal module. */
  postgres?: PostgresConnectionOption;
  /** Membership store. Default: `redis` when `redis` is given, else `postgres` when `postgres` is given. */
  store?: MembershipStoreKind;
  /** This node's id. Default: `SHOAL_NODE_ID`, then `HOSTNAME`, then `<host>-<pid>`. */
  nodeId?: string;
  /**
   * Namespace of every Redis key (`<prefix>:...`) and of the Postgres schema, so several clusters can share one
   * Redis / Postgres. Lower-case letters, digits and `_`, starting with a letter. Default `shoal`.
   */
  prefix?: string;
  /** How often this node heartbeats and sweeps dead members. Default 500. */
  heartbeatInterval?: number;
  /** A member whose last heartbeat is older than this (store clock) is removed. Default 2000. */
  failureTimeout?: number;
  /**
   * How long start-up waits for Redis and PostgreSQL to answer, retrying with backoff, before it fails with an
   * error naming the address. Default 30000.
   */
  startupTimeout?: number;
  /**
   * How often each node checks that Redis still holds its data (one `GET` of the `<prefix>:epoch` marker; also
   * checked on every reconnect and before each outbox batch is marked published). Default 1000.
   */
  dataLossCheckInterval?: number;
  /** The app's version, shown in membership. Default: `npm_package_version` or `0.0.0`. */
  version?: string;
  /** Free-form facts about this node, shown to every other node. */
  metadata?: Record<string, string | number | boolean>;
  /** Add an `x-shoal-node: <node id>` header to every HTTP response. Default false. */
  nodeHeader?: boolean;
  /** Registry for Shoal's Prometheus metrics. Default: prom-client's global registry. */
  metricsRegistry?: Registry;
  /** Let the memory store start with `NODE_ENV=production`. Default false. */
  allowMemoryStoreInProduction?: boolean;
  /** The in-process hub memory stores share (tests run several nodes in one process). Default: one per process. */
  memoryHub?: MemoryMembershipHub;
}

/** Defaults of every `ClusterModule` option that has one. */
export const CLUSTER_DEFAULTS = {
  prefix: 'shoal',
  heartbeatInterval: 500,
  failureTimeout: 2000,
  startupTimeout: 30_000,
  dataLossCheckInterval: 1000,
} as const;
