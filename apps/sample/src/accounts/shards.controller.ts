import { Controller, Get } from '@nestjs/common';
import { ShardsService, type ShardOwnership } from '@shoal/messaging';

/** `GET /cluster/shards`: how many entity shards there are and how many each node holds. */
@Controller('cluster')
export class ShardsController {
  constructor(private readonly shards: ShardsService) {}

  @Get('shards')
  ownership(): Promise<ShardOwnership> {
    return this.shards.ownership();
  }
}
