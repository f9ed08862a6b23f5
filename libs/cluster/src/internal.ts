/**
 * What Shoal's own modules share: building blocks of their stores, scripts and start-up. Not part of the public
 * API and not covered by semver — import `@shoal/cluster` instead.
 * @packageDocumentation
 */
export { CLUSTER_CONFIG } from './cluster.constants.js';
export { resolveClusterConfig, type ClusterConfig } from './cluster-config.js';
export { createNodeInfo, resolveNodeId } from './node-identity.js';
export {
  DecoratedMethodExplorer,
  callHook,
  type DecoratedMethod,
  type DiscoverableDecorator,
} from './discovery/decorated-methods.js';
export type {
  ApplicableNotice,
  BeatResult,
  MemberRecord,
  MembershipNotice,
  MembershipSnapshot,
  MembershipStore,
} from './membership/membership-store.js';
export { applicableNotice } from './membership/membership-store.js';
export { MemoryMembershipStore } from './membership/memory-membership.store.js';
export { RedisMembershipStore } from './membership/redis-membership.store.js';
export { PostgresMembershipStore } from './membership/postgres-membership.store.js';
export { rendezvousOwner } from './shard-ring/rendezvous.js';
export { RedisScript } from './redis/redis-script.js';
export { duplicateConnection, streamReaderConnection } from './redis/duplicate-connection.js';
export { closeConnection, dropConnection } from './redis/close-connection.js';
export { RedisEpochWatch } from './redis/redis-epoch.js';
export { PostgresListener } from './postgres/postgres-listener.js';
export {
  addColumnIfMissing,
  createIndexIfMissing,
  ensurePostgresSchema,
} from './postgres/postgres-schema.js';
export { withTimeout, OperationTimeoutError } from './with-timeout.js';
export { backoffDelay, type BackoffShape } from './backoff-delay.js';
export {
  TickBatcher,
  type BatchRun,
  type ItemOutcome,
  type TickBatcherOptions,
} from './batching/tick-batcher.js';
export { describeZodIssue } from './validation/describe-zod-issue.js';
export { registeredMetric } from './metrics/metric.js';
export { SHOAL_MODULE_EXTRAS, applyShoalModuleExtras, type ShoalModuleExtras } from './module-extras.js';
export { assertMemoryStoreAllowed } from './errors/memory-store-in-production.error.js';
export { NAME_CHARACTERS, namePattern } from './validation/names.js';
export { provideContextSources } from './context/request-context.js';
export { correlationIdFrom } from './context/correlation-id.js';
export { guardPoolClients, type PgPoolEvents } from './postgres/pool-client-errors.js';
export { poolOfDataSource } from './postgres/data-source-pool.js';
