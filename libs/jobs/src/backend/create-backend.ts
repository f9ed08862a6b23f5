import type { ClusterConnections } from '@shoal/cluster';
import type { ClusterConfig } from '@shoal/cluster/internal';
import type { JobsConfig } from '../jobs-config.js';
import { BullmqBackend } from './bullmq.backend.js';
import type { JobsBackend } from './jobs-backend.js';

/** The backend `JobsModule` runs on: BullMQ when ClusterModule has Redis. */
export function createJobsBackend(
  connections: ClusterConnections,
  cluster: ClusterConfig,
  config: JobsConfig,
): JobsBackend {
  return new BullmqBackend(connections, cluster.prefix, config);
}
