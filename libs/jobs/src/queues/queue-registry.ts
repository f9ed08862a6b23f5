import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ClusterConnections, type RedisClient } from '@shoal/cluster';
import { CLUSTER_CONFIG, type ClusterConfig } from '@shoal/cluster/internal';
import { Queue } from 'bullmq';
import { Cluster, type Redis } from 'ioredis';
import { UnknownQueueError } from '../errors/unknown-queue.error.js';
import type { JobsConfig } from '../jobs-config.js';
import { JOBS_CONFIG } from '../jobs.constants.js';
import type { QueueOptions } from '../jobs-options.js';

/** A registered queue: its options and its BullMQ `Queue` (and dead-letter queue). */
export interface RegisteredQueue {
  readonly options: QueueOptions;
  readonly queue: Queue;
  readonly deadLetters: Queue;
}

/**
 * The queues of this app, on one dedicated Redis connection (BullMQ needs `maxRetriesPerRequest: null`) duplicated
 * from the ClusterModule one. Keys: `<prefix>:{jobs}:<queue>:*` (one hash tag, so Redis Cluster works).
 * Queues close in `onApplicationShutdown`, after every worker has stopped.
 */
@Injectable()
export class QueueRegistry implements OnApplicationShutdown {
  private readonly logger = new Logger('Shoal:Jobs');
  private readonly queues = new Map<string, RegisteredQueue>();
  private connection?: RedisClient;

  constructor(
    private readonly connections: ClusterConnections,
    @Inject(CLUSTER_CONFIG) private readonly cluster: ClusterConfig,
    @Inject(JOBS_CONFIG) private readonly config: JobsConfig,
  ) {}

  /** BullMQ's key prefix. */
  get prefix(): string {
    return `${this.cluster.prefix}:{jobs}`;
  }

  /** The Redis connection BullMQ objects use (created on first use). */
  bullConnection(): Redis | Cluster {
    if (!this.connection) {
      const shared = this.connections.redis('JobsModule');
      this.connection =
        shared instanceof Cluster
          ? shared.duplicate(undefined, { redisOptions: { maxRetriesPerRequest: null } })
          : shared.duplicate({
              maxRetriesPerRequest: null,
              connectionName: `${shared.options.connectionName ?? 'shoal'}:jobs`,
            });
      this.connection.on('error', (error: Error) => this.logger.debug(`jobs connection: ${error.message}`));
    }
    return this.connection;
  }

  register(options: QueueOptions): RegisteredQueue {
    const existing = this.queues.get(options.name);
    if (existing) return existing;
    const connection = this.bullConnection();
    const attempts = options.attempts ?? this.config.attempts;
    const backoff = { ...this.config.backoff, ...options.backoff };
    const queue = new Queue(options.name, {
      connection,
      prefix: this.prefix,
      defaultJobOptions: {
        attempts,
        backoff: { type: 'exponential', delay: backoff.delay, jitter: backoff.jitter },
        removeOnComplete: this.config.keepCompleted,
        removeOnFail: this.config.keepFailed,
      },
    });
    const deadLetters = new Queue(`${options.name}.dead`, { connection, prefix: this.prefix });
    queue.on('error', (error) => this.logger.debug(`queue ${options.name}: ${error.message}`));
    deadLetters.on('error', (error) => this.logger.debug(`queue ${options.name}.dead: ${error.message}`));
    const registered = { options, queue, deadLetters };
    this.queues.set(options.name, registered);
    return registered;
  }

  /** @throws UnknownQueueError */
  get(name: string): RegisteredQueue {
    const registered = this.queues.get(name);
    if (!registered) throw new UnknownQueueError(name);
    return registered;
  }

  all(): RegisteredQueue[] {
    return [...this.queues.values()];
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.all().flatMap((q) => [q.queue.close(), q.deadLetters.close()]));
    const connection = this.connection;
    this.connection = undefined;
    await connection?.quit().catch(() => connection.disconnect());
  }
}
