import type { ClusterConnections, NodeInfo } from '@shoal/cluster';
import {
  assertMemoryStoreAllowed,
  closeConnection,
  dropConnection,
  duplicateConnection,
  guardPoolClients,
  poolOfDataSource,
  withTimeout,
  type ClusterConfig,
} from '@shoal/cluster/internal';
import type { Pool, PoolConfig } from 'pg';
import type { DataSource } from 'typeorm';
import { ClusterMessageEmitter } from '../emitters/cluster-message-emitter.js';
import { postgresClusterPublisher } from '../emitters/postgres-cluster-publisher.js';
import { RedisRoomEmitter } from '../emitters/redis-room-emitter.js';
import { MemoryMessenger } from '../query/memory-messenger.js';
import { PostgresMessenger } from '../query/postgres-messenger.js';
import { RedisMessenger } from '../query/redis-messenger.js';
import type { RealtimeConfig } from '../realtime-config.js';
import type { AdapterFactory, ClusterTransport } from './cluster-transport.js';
import { shardedChannel } from './sharded-channel.js';
import { shardedSubscriber } from './sharded-subscriber.js';
import { trackDuplicates } from './track-duplicates.js';

/** The Postgres table the Postgres adapter and emitter keep large (over 8,000 bytes) payloads in. */
export function attachmentsTable(schema: string): string {
  return `"${schema}".realtime_attachments`;
}

/** DDL of the attachments table. */
export function attachmentsDdl(schema: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${attachmentsTable(schema)} (
      id bigserial UNIQUE, created_at timestamptz NOT NULL DEFAULT now(), payload bytea)`,
  ];
}

/**
 * A small pool of the realtime layer's own, from the settings of Shoal's connection: the adapter's LISTEN connection,
 * the query messenger's LISTEN connection, and two for NOTIFY and the attachments table. Kept apart from the app's
 * pool so those long-lived connections never starve its queries, and because the adapter returns its LISTEN
 * connection to the pool still listening when it closes.
 */
async function adapterPool(dataSource: DataSource): Promise<Pool> {
  const pg = await import('pg');
  const options: PoolConfig = poolOfDataSource(dataSource)?.options ?? {};
  const pool = new pg.default.Pool({ ...options, max: 4, idleTimeoutMillis: 10_000 });
  pool.on('error', () => undefined); // an idle client's error: the adapter reconnects by itself
  // The adapter's LISTEN client has no 'error' listener: when Postgres goes away, the socket's error would crash the
  // process. Every client of this pool gets one; the adapter still sees 'end' and reconnects.
  guardPoolClients(pool);
  return pool;
}

/** Builds the transport of the configured adapter mode on Shoal's connections. */
export async function createClusterTransport(
  config: RealtimeConfig,
  cluster: ClusterConfig,
  connections: ClusterConnections,
  node: NodeInfo,
): Promise<ClusterTransport> {
  const prefix = cluster.prefix;
  const key = `${prefix}:socket.io`;
  const serving = config.sockets;
  switch (config.adapter) {
    case 'redis': {
      const redis = connections.redis('RealtimeModule (adapter: redis)');
      const messenger = new RedisMessenger(redis, prefix, node.id);
      if (!serving) {
        return {
          kind: 'redis',
          serverOptions: {},
          emitter: new RedisRoomEmitter(redis, key),
          messenger,
          close: async () => undefined,
        };
      }
      const { createAdapter } = await import('@socket.io/redis-adapter');
      const sub = duplicateConnection(redis, 'socket.io adapter subscriber');
      const adapter = createAdapter(redis, sub, {
        key,
        publishOnSpecificResponseChannel: true,
      }) as AdapterFactory;
      return { kind: 'redis', adapter, serverOptions: {}, messenger, close: () => closeConnection(sub) };
    }
    case 'sharded': {
      const redis = connections.redis('RealtimeModule (adapter: sharded)');
      const messenger = new RedisMessenger(redis, prefix, node.id);
      const channelPrefix = key;
      if (!serving) {
        const emitter = new ClusterMessageEmitter((message) => {
          const channel = shardedChannel(channelPrefix, config.subscriptionMode, message);
          void redis.spublish(channel, JSON.stringify(message)).catch(() => undefined);
        });
        return { kind: 'sharded', serverOptions: {}, emitter, messenger, close: async () => undefined };
      }
      const { createShardedAdapter } = await import('@socket.io/redis-adapter');
      const sub = shardedSubscriber(redis);
      const adapter = createShardedAdapter(redis, sub, {
        channelPrefix,
        subscriptionMode: config.subscriptionMode,
      }) as AdapterFactory;
      return { kind: 'sharded', adapter, serverOptions: {}, messenger, close: () => closeConnection(sub) };
    }
    case 'streams': {
      const redis = connections.redis('RealtimeModule (adapter: streams)');
      const messenger = new RedisMessenger(redis, prefix, node.id);
      if (!serving) {
        const emitter = new ClusterMessageEmitter((message) => {
          const fields = [
            'uid',
            message.uid,
            'nsp',
            message.nsp,
            'type',
            String(message.type),
            'data',
            JSON.stringify(message.data),
          ];
          void redis.xadd(key, 'MAXLEN', '~', config.streamMaxLen, '*', ...fields).catch(() => undefined);
        });
        return { kind: 'streams', serverOptions: {}, emitter, messenger, close: async () => undefined };
      }
      const { createAdapter } = await import('@socket.io/redis-streams-adapter');
      // The adapter duplicates the client it is given for its blocking reads and its subscriptions; Shoal hands it
      // a client of its own and records those duplicates, so shutdown can close them.
      const base = duplicateConnection(redis, 'socket.io streams adapter');
      const created = trackDuplicates(base);
      const adapter = createAdapter(base, {
        streamName: key,
        channelPrefix: key,
        maxLen: config.streamMaxLen,
        sessionKeyPrefix: `${key}:session:`,
        blockTimeInMs: 1000,
      }) as AdapterFactory;
      return {
        kind: 'streams',
        adapter,
        serverOptions: {
          connectionStateRecovery: {
            maxDisconnectionDuration: config.maxDisconnectionDuration,
            skipMiddlewares: false,
          },
        },
        messenger,
        close: async () => {
          // The duplicates only read (blocking XREAD, subscriptions): no reply to wait for.
          for (const client of created) dropConnection(client);
          await closeConnection(base);
        },
      };
    }
    case 'postgres': {
      const dataSource = connections.postgres('RealtimeModule (adapter: postgres)');
      const pool = await adapterPool(dataSource);
      const messenger = new PostgresMessenger(pool, prefix, node.id);
      const options = { channelPrefix: `${prefix}_sio`, tableName: attachmentsTable(prefix) };
      const closePool = () => withTimeout(pool.end(), 3000, 'postgres adapter pool').catch(() => undefined);
      if (!serving) {
        return {
          kind: 'postgres',
          serverOptions: {},
          emitter: new ClusterMessageEmitter(postgresClusterPublisher(pool, options)),
          messenger,
          close: closePool,
        };
      }
      const { createAdapter } = await import('@socket.io/postgres-adapter');
      const adapter = createAdapter(pool, {
        ...options,
        heartbeatInterval: 5000,
        heartbeatTimeout: 10_000,
        errorHandler: () => undefined,
      }) as AdapterFactory;
      return { kind: 'postgres', adapter, serverOptions: {}, messenger, close: closePool };
    }
    case 'memory':
      assertMemoryStoreAllowed('realtime adapter', config.allowMemoryStoreInProduction, 'adapter');
      return {
        kind: 'memory',
        serverOptions: {},
        messenger: new MemoryMessenger(node.id),
        close: async () => undefined,
      };
  }
}
