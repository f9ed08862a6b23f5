import { CacheInterceptor, CacheTTL } from '@nestjs/cache-manager';
import { Controller, Get, Param, UseInterceptors } from '@nestjs/common';
import { ClusterService } from '@shoal/cluster';

/**
 * `@nestjs/cache-manager`'s `CacheInterceptor`, unchanged, over Shoal's store: a response computed on one replica
 * is served by every replica (from L2) until it expires. `GET /cached/flags/stats` counts this replica's handler
 * runs.
 */
@Controller('cached/flags')
export class CachedFlagsController {
  private computed = 0;

  constructor(private readonly cluster: ClusterService) {}

  @Get('stats')
  stats(): { computedHere: number } {
    return { computedHere: this.computed };
  }

  @Get(':name')
  @UseInterceptors(CacheInterceptor)
  @CacheTTL(30_000)
  describe(@Param('name') name: string): { name: string; computedBy: string; computedAt: string } {
    this.computed += 1;
    return { name, computedBy: this.cluster.self.id, computedAt: new Date().toISOString() };
  }
}
