export { ClusterModule } from './cluster.module.js';
export type { ClusterModuleAsyncOptions } from './cluster.module-definition.js';
export {
  CLUSTER_DEFAULTS,
  type ClusterModuleOptions,
  type MembershipStoreKind,
  type PostgresConnectionOption,
  type RedisClusterConnectionOptions,
  type RedisConnectionOption,
} from './cluster-options.js';
export { NODE_HEADER, NODE_INFO } from './cluster.constants.js';
export { RequestContext, type ContextOrigin, type ShoalContext } from './context/request-context.js';
export { REQUEST_ID_HEADER } from './context/request-context.middleware.js';
export { ClusterService, type ShardsChangedEvent } from './cluster.service.js';
export { ClusterConnections } from './connections/cluster-connections.js';
export { ClusterMetrics } from './cluster.metrics.js';
export type { NodeInfo } from './node-identity.js';
export { OnNodeJoined, OnNodeLeft, OnShardsChanged } from './decorators/membership.decorators.js';
export type { Member, MembershipEvent } from './membership/membership-event.js';
export { MemoryMembershipHub } from './membership/memory-membership.hub.js';
export type { RedisClient } from './redis/redis-client.js';
export type { RedisDataLoss } from './redis/redis-epoch.js';
export { isStoreUnavailableError } from './errors/store-unavailable.js';
export { ShoalExceptionFilter, type HttpStatusHint } from './http/shoal-exception.filter.js';
export { InvalidClusterOptionsError } from './errors/invalid-cluster-options.error.js';
export { MemoryStoreInProductionError } from './errors/memory-store-in-production.error.js';
export { ConnectionMissingError } from './errors/connection-missing.error.js';
export { StoreUnreachableError } from './errors/store-unreachable.error.js';
export { InvalidDecoratorUsageError } from './errors/invalid-decorator-usage.error.js';
