import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { ClusterConnections } from '@shoal/cluster';
import type { HealthConfig } from '../health-config.js';
import { HEALTH_CONFIG } from '../health.constants.js';
import { probe } from './probe.js';

/**
 * Postgres as this node sees it, through Shoal's shared `DataSource` pool: `up` when `SELECT 1` answers within the
 * timeout. A pool with no free connection for that long counts as `down` too: requests would wait as long.
 */
@Injectable()
export class PostgresHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly connections: ClusterConnections,
    @Inject(HEALTH_CONFIG) private readonly config: HealthConfig,
  ) {}

  /** Runs `SELECT 1`; `timeout` overrides the module's per-indicator timeout. */
  isHealthy<const Key extends string = 'postgres'>(
    key: Key = 'postgres' as Key,
    options: { timeout?: number } = {},
  ): Promise<HealthIndicatorResult<Key>> {
    return probe(this.indicators, key, options.timeout ?? this.config.timeout, async () => {
      const dataSource = this.connections.postgres('The postgres health indicator');
      if (!dataSource.isInitialized) return { status: 'down', data: { message: 'not connected' } };
      await dataSource.query('SELECT 1');
      return { status: 'up', data: {} };
    });
  }
}
