import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { ClusterService } from '@shoal/cluster';
import type { HealthConfig } from '../health-config.js';
import { HEALTH_CONFIG } from '../health.constants.js';
import { probe } from './probe.js';

/**
 * This node's place in the cluster: `up` while its last heartbeat is recent enough that the others count it alive
 * (younger than `failureTimeout`), `down` before it joined, after it left, or while the membership store is
 * unreachable. Reads local state only, so it answers at once.
 */
@Injectable()
export class MembershipHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly cluster: ClusterService,
    @Inject(HEALTH_CONFIG) private readonly config: HealthConfig,
  ) {}

  isHealthy<const Key extends string = 'membership'>(
    key: Key = 'membership' as Key,
  ): Promise<HealthIndicatorResult<Key>> {
    return probe(this.indicators, key, this.config.timeout, () => {
      const age = this.cluster.heartbeatAge();
      const data = {
        node: this.cluster.self.id,
        members: this.cluster.size,
        heartbeatAge: Number.isFinite(age) ? age : null,
      };
      if (this.cluster.registered) return { status: 'up', data };
      return { status: 'down', data: { ...data, message: 'heartbeat missing or stale' } };
    });
  }
}
