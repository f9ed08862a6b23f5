import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { ConnectionMissingError } from '../errors/connection-missing.error.js';
import { closeConnection } from '../redis/close-connection.js';
import { withTimeout } from '../with-timeout.js';
import type { RedisAvailability } from '../redis/redis-availability.js';
import type { RedisClient } from '../redis/redis-client.js';

/**
 * The Redis and Postgres connections of this Shoal node, owned by `ClusterModule` and shared by every other Shoal
 * module. Inject it to reuse them. Shoal closes only the connections it created itself.
 */
export class ClusterConnections {
  private readonly logger = new Logger('Shoal:Connections');
  private closed = false;

  constructor(
    private readonly redisClient: RedisClient | undefined,
    private readonly postgresDataSource: DataSource | undefined,
    private readonly availability: RedisAvailability | undefined,
    private readonly owns: { redis: boolean; postgres: boolean },
  ) {}

  /** Whether a Redis connection was configured. */
  get hasRedis(): boolean {
    return this.redisClient !== undefined;
  }

  /** Whether a Postgres connection was configured. */
  get hasPostgres(): boolean {
    return this.postgresDataSource !== undefined;
  }

  /** Whether the shared Redis connection is up right now (false during an outage; true without Redis). */
  get redisAvailable(): boolean {
    return this.availability?.available ?? true;
  }

  /**
   * The shared Redis connection.
   * @param neededBy named in the error when no Redis was configured.
   * @throws ConnectionMissingError
   */
  redis(neededBy = 'This feature'): RedisClient {
    if (!this.redisClient) throw new ConnectionMissingError('redis', neededBy);
    return this.redisClient;
  }

  /**
   * The shared TypeORM `DataSource` (initialized).
   * @throws ConnectionMissingError
   */
  postgres(neededBy = 'This feature'): DataSource {
    if (!this.postgresDataSource) throw new ConnectionMissingError('postgres', neededBy);
    return this.postgresDataSource;
  }

  /** Closes the connections Shoal created; leaves the app's own ones open. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.availability?.detach();
    // Bounded: a connection stuck mid-reconnect or a client never handed back must not hold the process.
    if (this.redisClient && this.owns.redis) {
      await closeConnection(this.redisClient, 3000);
    }
    if (this.postgresDataSource?.isInitialized && this.owns.postgres) {
      await withTimeout(this.postgresDataSource.destroy(), 5000, 'postgres close').catch((error: unknown) => {
        this.logger.warn(`postgres close: ${String(error)}`);
      });
    }
  }
}
