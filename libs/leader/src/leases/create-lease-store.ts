import type { ClusterConnections } from '@shoal/cluster';
import { assertMemoryStoreAllowed, type ClusterConfig } from '@shoal/cluster/internal';
import type { LeaderConfig } from '../leader-config.js';
import type { LeaseStore } from './lease-store.js';
import { MemoryLeaseHub } from './memory-lease.hub.js';
import { MemoryLeaseStore } from './memory-lease.store.js';
import { PostgresLeaseStore } from './postgres-lease.store.js';
import { RedisLeaseStore } from './redis-lease.store.js';

/** Builds the lease store: the one named in `LeaderModule` options, else the cluster's membership store kind. */
export function createLeaseStore(
  config: LeaderConfig,
  cluster: ClusterConfig,
  connections: ClusterConnections,
): LeaseStore {
  const kind = config.store ?? cluster.store;
  switch (kind) {
    case 'redis':
      return new RedisLeaseStore(connections.redis('The Redis lease store'), cluster.prefix);
    case 'postgres':
      return new PostgresLeaseStore(connections.postgres('The Postgres lease store'), cluster.prefix);
    case 'memory':
      assertMemoryStoreAllowed('lease', config.allowMemoryStoreInProduction);
      return new MemoryLeaseStore(config.memoryHub ?? MemoryLeaseHub.shared);
  }
}
