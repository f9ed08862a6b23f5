import { Inject, Injectable, Optional } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { CacheService } from '@shoal/cache';
import type { HealthConfig } from '../health-config.js';
import { HEALTH_CONFIG } from '../health.constants.js';
import { probe } from './probe.js';

/**
 * The cache of `CacheModule` on this node: `up` while it receives the other nodes' invalidations (or has no bus),
 * with its provider, bus and L1 size; `down` while its bus subscription is lost, because its L1 may then serve a
 * value another node changed (L1 is cleared when the bus is back). Reads local state only: Redis itself (L2) is
 * the `redis` indicator's.
 */
@Injectable()
export class CacheHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(HEALTH_CONFIG) private readonly config: HealthConfig,
    @Optional() private readonly cache?: CacheService,
  ) {}

  /** Whether `CacheModule` is imported. */
  get available(): boolean {
    return this.cache !== undefined;
  }

  isHealthy<const Key extends string = 'cache'>(
    key: Key = 'cache' as Key,
  ): Promise<HealthIndicatorResult<Key>> {
    return probe(this.indicators, key, this.config.timeout, () => {
      if (!this.cache) return { status: 'down', data: { message: 'CacheModule is not imported' } };
      const { busListening, ...data } = this.cache.status();
      if (busListening) return { status: 'up', data };
      return {
        status: 'down',
        data: {
          ...data,
          message: 'not receiving invalidations: L1 may serve values changed elsewhere until the bus is back',
        },
      };
    });
  }
}
