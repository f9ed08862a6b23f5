import type { ClusterConnections } from '@shoal/cluster';
import type { ClusterConfig } from '@shoal/cluster/internal';
import type { JobsConfig } from '../jobs-config.js';
import { BullmqBackend } from './bullmq.backend.js';
import type { JobsBackend } from './jobs-backend.js';
import { PgBossBackend } from './pg-boss.backend.js';

/**
 * The backend `JobsModule` runs on: `config.backend` if set, else BullMQ when ClusterModule has Redis and pg-boss
 * when it has Postgres alone.
 * @throws ConnectionMissingError when the chosen backend's connection is not configured.
 */
export function chooseJobsBackend(
  connections: Pick<ClusterConnections, 'hasRedis' | 'hasPostgres'>,
  config: Pick<JobsConfig, 'backend'>,
): 'redis' | 'postgres' {
  return config.backend ?? (connections.hasRedis || !connections.hasPostgres ? 'redis' : 'postgres');
}

export function createJobsBackend(
  connections: ClusterConnections,
  cluster: ClusterConfig,
  config: JobsConfig,
): JobsBackend {
  return chooseJobsBackend(connections, config) === 'postgres'
    ? new PgBossBackend(connections.postgres('JobsModule (pg-boss)'), cluster.prefix, config)
    : new BullmqBackend(connections, cluster.prefix, config);
}
