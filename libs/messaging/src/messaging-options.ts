import type { Registry } from 'prom-client';

/** Options of one entity type (`MessagingModuleOptions.entities`). */
export interface EntityTypeOptions {
  /** Idle time (ms) after which an entity of this type is passivated. */
  passivateAfterMs?: number;
}

/** Options of `MessagingModule.forRoot()`. Every duration is in milliseconds. */
export interface MessagingModuleOptions {
  /** How long a request waits for its answer before failing with `MessageTimeoutError`. Default 5000. */
  timeout?: number;
  /**
   * Number of fixed shards entity keys hash into. Every node of a cluster must use the same value; changing it
   * re-maps keys, so drain the shard streams first. Default 256.
   */
  shards?: number;
  /** Messages one node handles at once (requests and events); past it, requests get `TargetBusyError`. Default 1000. */
  maxInFlight?: number;
  /** Requests one node may have waiting for answers; past it, `send` fails with `TargetBusyError`. Default 10000. */
  maxPending?: number;
  /** Unprocessed messages one shard's stream may hold; past it, entity messages get `TargetBusyError`. Default 10000. */
  maxShardBacklog?: number;
  /** Messages read from a shard's stream at a time (the shard's in-process buffer). Default 32. */
  shardBatch?: number;
  /** How often each node re-reads which nodes handle which patterns (it also does on every join/leave). Default 5000. */
  registryRefreshInterval?: number;
  /**
   * Per entity type: `passivateAfterMs`, the idle time after which an active entity is passivated (its
   * `EntityLifecycle.onPassivate` hooks run, so the app drops its state; the next message loads it again).
   * Types not listed stay active until their shard leaves the node. Default none.
   */
  entities?: Readonly<Record<string, EntityTypeOptions>>;
  /** Registry for the messaging metrics. Default: the `ClusterModule` one. */
  metricsRegistry?: Registry;
}

/** Defaults of `MessagingModule` options. */
export const MESSAGING_DEFAULTS = {
  timeout: 5000,
  shards: 256,
  maxInFlight: 1000,
  maxPending: 10_000,
  maxShardBacklog: 10_000,
  shardBatch: 32,
  registryRefreshInterval: 5000,
} as const;
