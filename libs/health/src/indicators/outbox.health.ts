import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { ClusterConnections, ClusterService } from '@shoal/cluster';
import type { HealthConfig } from '../health-config.js';
import type { OutboxThresholds } from '../health-options.js';
import { HEALTH_CONFIG } from '../health.constants.js';
import { overThreshold, probe } from './probe.js';

/**
 * The transactional outbox of `EventBusModule` (cluster-wide, one table): `up` while the unrelayed rows number at
 * most `maxBacklog` and the oldest is younger than `maxLag` (Postgres clock); otherwise `down` (or `degraded` with
 * `degradedOnThresholds`). `up` with `backlog: 0` where there is no outbox table.
 */
@Injectable()
export class OutboxHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly connections: ClusterConnections,
    private readonly cluster: ClusterService,
    @Inject(HEALTH_CONFIG) private readonly config: HealthConfig,
  ) {}

  isHealthy<const Key extends string = 'outbox'>(
    key: Key = 'outbox' as Key,
    thresholds: OutboxThresholds = this.config.outbox,
  ): Promise<HealthIndicatorResult<Key>> {
    return probe(this.indicators, key, this.config.timeout, async () => {
      const table = `"${this.cluster.prefix}"."outbox"`;
      const db = this.connections.postgres('The outbox health indicator');
      const [{ present }] = (await db.query(`SELECT to_regclass($1) IS NOT NULL AS present`, [table])) as {
        present: boolean;
      }[];
      if (!present) return { status: 'up', data: { backlog: 0, lag: 0 } };
      const [row] = (await db.query(
        `SELECT count(*)::int AS backlog,
                COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)) * 1000, 0)::float8 AS lag
         FROM ${table} WHERE published_at IS NULL`,
      )) as { backlog: number; lag: number }[];
      const data = { backlog: row.backlog, lag: Math.round(row.lag) };
      const maxLag = thresholds.maxLag ?? this.config.outbox.maxLag;
      const problems = [
        ...(thresholds.maxBacklog !== undefined && data.backlog > thresholds.maxBacklog
          ? [`${data.backlog} unrelayed rows > ${thresholds.maxBacklog}`]
          : []),
        ...(data.lag > maxLag ? [`oldest unrelayed row ${data.lag} ms old > ${maxLag} ms`] : []),
      ];
      if (problems.length === 0) return { status: 'up', data };
      return {
        status: overThreshold(this.config.degradedOnThresholds),
        data: { ...data, message: problems.join('; ') },
      };
    });
  }
}
