import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { ClusterConnections } from '@shoal/cluster';
import { Cluster } from 'ioredis';
import type { HealthConfig } from '../health-config.js';
import { HEALTH_CONFIG } from '../health.constants.js';
import { probe } from './probe.js';

/**
 * Redis as this node sees it, on Shoal's shared connection (standalone, Sentinel or Cluster): `up` when a `PING`
 * answers within the timeout, `down` while the connection is lost or the ping is slower.
 */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly connections: ClusterConnections,
    @Inject(HEALTH_CONFIG) private readonly config: HealthConfig,
  ) {}

  /** Pings Redis; `timeout` overrides the module's per-indicator timeout. */
  isHealthy<const Key extends string = 'redis'>(
    key: Key = 'redis' as Key,
    options: { timeout?: number } = {},
  ): Promise<HealthIndicatorResult<Key>> {
    return probe(this.indicators, key, options.timeout ?? this.config.timeout, async () => {
      const client = this.connections.redis('The redis health indicator');
      const mode =
        client instanceof Cluster ? 'cluster' : client.options.sentinels ? 'sentinel' : 'standalone';
      // Without this the ping would wait in ioredis' offline queue until the timeout.
      if (!this.connections.redisAvailable || client.status !== 'ready') {
        return { status: 'down', data: { mode, message: `connection ${client.status}` } };
      }
      await client.ping();
      return { status: 'up', data: { mode } };
    });
  }
}
