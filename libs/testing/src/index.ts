export { eventually, type EventuallyOptions } from './eventually.js';
export { freePort } from './free-port.js';
export { TcpProxy } from './tcp-proxy.js';
export { InProcessCluster, type InProcessNode } from './in-process-cluster.js';
export type { ExitStatus } from './managed-child.js';
export {
  DEFAULT_READY_PATTERN,
  DEFAULT_READY_TIMEOUT_MS,
  DEFAULT_STOP_TIMEOUT_MS,
  NodeProcess,
  NodeProcessGroup,
  type NodeProcessSignal,
  type NodeProcessSpec,
} from './node-processes.js';
export { RedisServer, pingRedis, type RedisServerOptions } from './redis-server.js';
export { PostgresServer, findPostgresBinDir, type PostgresServerOptions } from './postgres-server.js';
export { MemoryMembershipHub } from '@shoal/cluster';
export { seededRandom, type SeededRandom } from './seeded-random.js';
export {
  RedisClusterServer,
  type FailoverResult,
  type RedisClusterServerOptions,
} from './redis-cluster-server.js';
export { RedisSentinelServer, type RedisSentinelServerOptions } from './redis-sentinel-server.js';
