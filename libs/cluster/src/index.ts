export { ClusterModule } from './cluster.module.js';
export { CLUSTER_ASYNC_OPTIONS_TYPE, CLUSTER_OPTIONS_TYPE } from './cluster.module-definition.js';
export {
  CLUSTER_DEFAULTS,
  type ClusterModuleOptions,
  type MembershipStoreKind,
  type PostgresConnectionOption,
  type RedisClusterConnectionOptions,
  type RedisConnectionOption,
} from './cluster-options.js';
export { resolveClusterConfig, type ClusterConfig } from './cluster-config.js';
export { CLUSTER_CONFIG, NODE_HEADER, NODE_INFO } from './cluster.constants.js';
export { ClusterService, type ShardsChangedEvent } from './cluster.service.js';
export { ClusterConnections } from './connections/cluster-connections.js';
export { ClusterMetrics } from './cluster.metrics.js';
export { createNodeInfo, resolveNodeId, type NodeInfo } from './node-identity.js';
export { OnNodeJoined, OnNodeLeft, OnShardsChanged } from './decorators/membership.decorators.js';
export {
  DecoratedMethodExplorer,
  type DecoratedMethod,
  type DiscoverableDecorator,
} from './discovery/decorated-methods.js';
export type { Member, MembershipEvent } from './membership/membership-event.js';
export type {
  BeatResult,
  MemberRecord,
  MembershipNotice,
  MembershipStore,
} from './membership/membership-store.js';
export { MemoryMembershipHub } from './membership/memory-membership.hub.js';
export { MemoryMembershipStore } from './membership/memory-membership.store.js';
export { RedisMembershipStore } from './membership/redis-membership.store.js';
export { PostgresMembershipStore } from './membership/postgres-membership.store.js';
export { rendezvousOwner } from './shard-ring/rendezvous.js';
export { RedisScript } from './redis/redis-script.js';
export type { RedisClient } from './redis/redis-client.js';
export { PostgresListener } from './postgres/postgres-listener.js';
export { ensurePostgresSchema } from './postgres/postgres-schema.js';
export { withTimeout, OperationTimeoutError } from './with-timeout.js';
export { InvalidClusterOptionsError } from './errors/invalid-cluster-options.error.js';
export { MemoryStoreInProductionError } from './errors/memory-store-in-production.error.js';
export { ConnectionMissingError } from './errors/connection-missing.error.js';
export { describeZodIssue } from './validation/describe-zod-issue.js';
export { registeredMetric } from './metrics/metric.js';
export { duplicateConnection } from './redis/duplicate-connection.js';
export type { RedisDataLoss } from './redis/redis-epoch.js';
export { isStoreUnavailableError } from './errors/store-unavailable.js';
export { StoreUnreachableError } from './errors/store-unreachable.error.js';
export { ShoalExceptionFilter, type HttpStatusHint } from './http/shoal-exception.filter.js';
