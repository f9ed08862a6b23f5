import { Inject, Injectable } from '@nestjs/common';
import { ClusterConnections } from '@shoal/cluster';
import { CLUSTER_CONFIG, type ClusterConfig } from '@shoal/cluster/internal';
import { WithLock } from '@shoal/leader';

/** A Redis counter updated by read-modify-write: correct across replicas only because of `@WithLock`. */
@Injectable()
export class CounterService {
  private readonly key: string;

  constructor(
    private readonly connections: ClusterConnections,
    @Inject(CLUSTER_CONFIG) config: ClusterConfig,
  ) {
    this.key = `${config.prefix}:sample:counter`;
  }

  @WithLock('sample-counter', { ttl: 5000, wait: 30_000 })
  async increment(): Promise<number> {
    const redis = this.connections.redis();
    const next = Number((await redis.get(this.key)) ?? '0') + 1;
    await redis.set(this.key, String(next));
    return next;
  }

  async value(): Promise<number> {
    return Number((await this.connections.redis().get(this.key)) ?? '0');
  }
}
