export { eventually, type EventuallyOptions } from './eventually.js';
export { freePort } from './free-port.js';
export { InProcessCluster, type InProcessNode } from './in-process-cluster.js';
export {
  DEFAULT_READY_PATTERN,
  NodeProcess,
  NodeProcessGroup,
  type NodeProcessSignal,
  type NodeProcessSpec,
} from './node-processes.js';
export { RedisServer, type RedisServerOptions } from './redis-server.js';
export { PostgresServer, type PostgresServerOptions } from './postgres-server.js';
export { MemoryMembershipHub, MemoryMembershipStore } from '@shoal/cluster';
