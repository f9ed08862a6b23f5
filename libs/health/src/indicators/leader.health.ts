import { Inject, Injectable, Optional } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { LeaderService } from '@shoal/leader';
import type { HealthConfig } from '../health-config.js';
import { HEALTH_CONFIG } from '../health.constants.js';
import { probe } from './probe.js';

/**
 * Leadership of a lease (default `leader`) as this node last saw it: `up` when some node holds it, with this
 * node's role (`leader` / `follower`) and the holder's id and fencing token; `down` when no node holds it (between
 * a leader's crash and its lease expiring, or while the lease store is unreachable). Reads local state only.
 */
@Injectable()
export class LeaderHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(HEALTH_CONFIG) private readonly config: HealthConfig,
    @Optional() private readonly leader?: LeaderService,
  ) {}

  /** Whether `LeaderModule` is imported. */
  get available(): boolean {
    return this.leader !== undefined;
  }

  isHealthy<const Key extends string = 'leader'>(
    key: Key = 'leader' as Key,
    options: { lease?: string } = {},
  ): Promise<HealthIndicatorResult<Key>> {
    return probe(this.indicators, key, this.config.timeout, () => {
      if (!this.leader) return { status: 'down', data: { message: 'LeaderModule is not imported' } };
      const holder = this.leader.leader(options.lease);
      const role = this.leader.isLeader(options.lease) ? 'leader' : 'follower';
      if (!holder) return { status: 'down', data: { role, message: 'no node holds the lease' } };
      return { status: 'up', data: { role, leader: holder.id, token: holder.token } };
    });
  }
}
