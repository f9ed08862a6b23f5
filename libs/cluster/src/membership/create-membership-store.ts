import type { ClusterConfig } from '../cluster-config.js';
import type { ClusterConnections } from '../connections/cluster-connections.js';
import { assertMemoryStoreAllowed } from '../errors/memory-store-in-production.error.js';
import { MemoryMembershipHub } from './memory-membership.hub.js';
import { MemoryMembershipStore } from './memory-membership.store.js';
import type { MembershipStore } from './membership-store.js';
import { PostgresMembershipStore } from './postgres-membership.store.js';
import { RedisMembershipStore } from './redis-membership.store.js';

/** Builds the membership store `ClusterModule` options ask for. */
export function createMembershipStore(
  config: ClusterConfig,
  connections: ClusterConnections,
): MembershipStore {
  switch (config.store) {
    case 'redis':
      return new RedisMembershipStore(connections.redis('The Redis membership store'), config.prefix);
    case 'postgres':
      return new PostgresMembershipStore(
        connections.postgres('The Postgres membership store'),
        config.prefix,
      );
    case 'memory':
      assertMemoryStoreAllowed('membership', config.allowMemoryStoreInProduction);
      return new MemoryMembershipStore(config.memoryHub ?? MemoryMembershipHub.shared);
  }
}
