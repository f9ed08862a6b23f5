import type { ClusterConnections, NodeInfo } from '@shoal/cluster';
import { assertMemoryStoreAllowed, type ClusterConfig } from '@shoal/cluster/internal';
import type { LeaderService } from '@shoal/leader';
import type { EventsConfig } from '../events-config.js';
import type { EventTransport } from './event-transport.js';
import { MemoryEventHub } from './memory-event.hub.js';
import { MemoryEventTransport } from './memory.transport.js';
import { PostgresLogTransport } from './postgres-log/postgres-log.transport.js';
import { RedisStreamsTransport } from './redis-streams.transport.js';
import type { ConsumptionGate } from './stream-group-consumer.js';

/** The lease an ordered handler's consumer holds while it consumes. */
export function orderedLease(group: string): string {
  return `events:${group}`;
}

function gateFor(leader: LeaderService | undefined): (group: string) => ConsumptionGate | undefined {
  return (group) => {
    if (!leader) return undefined;
    const lease = orderedLease(group);
    leader.participate(lease);
    return { activeToken: () => leader.token(lease), track: (work) => leader.track(lease, work) };
  };
}

/** The transport `EventBusModule` options ask for (default: Redis Streams when Redis is configured). */
export function transportKind(
  config: EventsConfig,
  connections: ClusterConnections,
): 'redis' | 'postgres' | 'memory' {
  return config.transport ?? (connections.hasRedis ? 'redis' : 'postgres');
}

/** Builds the transport. */
export function createEventTransport(
  config: EventsConfig,
  cluster: ClusterConfig,
  connections: ClusterConnections,
  node: NodeInfo,
  leader: LeaderService | undefined,
): EventTransport {
  switch (transportKind(config, connections)) {
    case 'redis':
      return new RedisStreamsTransport(
        connections.redis('The Redis Streams event transport'),
        cluster.prefix,
        node.id,
        { ...config.streams, blockMs: 1000 },
        gateFor(leader),
      );
    case 'postgres':
      return new PostgresLogTransport(
        connections.postgres('The Postgres event transport'),
        cluster.prefix,
        node.id,
        { ...config.log, claimIdleTime: config.streams.claimIdleTime },
        gateFor(leader),
      );
    case 'memory':
      assertMemoryStoreAllowed('event transport', config.allowMemoryStoreInProduction, 'transport');
      return new MemoryEventTransport(config.memoryHub ?? MemoryEventHub.shared);
  }
}
