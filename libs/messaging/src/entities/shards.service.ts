import { Inject, Injectable } from '@nestjs/common';
import { LEASE_STORE, type LeaseStore } from '@shoal/leader/internal';
import { MESSAGING_CONFIG } from '../messaging.constants.js';
import type { MessagingConfig } from '../messaging-config.js';
import { shardLeaseName, shardOf } from './shard-of.js';
import { ShardHost } from './shard-host.js';

/** Which node holds each shard's lease, as the lease store says. */
export interface ShardOwnership {
  /** Number of shards. */
  readonly shards: number;
  /** Shards held per node id (shards between owners are not counted). */
  readonly owners: Readonly<Record<string, number>>;
}

/**
 * Read-only view of the entity shards: where a key lives and who runs what. Owners come from the shard leases, so
 * they are exact at the moment of the read (a shard between two owners has none).
 */
@Injectable()
export class ShardsService {
  constructor(
    private readonly host: ShardHost,
    @Inject(MESSAGING_CONFIG) private readonly config: MessagingConfig,
    @Inject(LEASE_STORE) private readonly leases: LeaseStore,
  ) {}

  /** Number of shards (`MessagingModule` option `shards`). */
  get count(): number {
    return this.config.shards;
  }

  /** The shard of entity `type`/`key`. */
  shardOf(type: string, key: string): number {
    return shardOf(type, key, this.config.shards);
  }

  /** Shards this node runs now. */
  owned(): number[] {
    return this.host.owned();
  }

  /** The node holding the shard of entity `type`/`key`, or null while it moves. */
  async ownerOf(type: string, key: string): Promise<string | null> {
    return (await this.leases.holder(shardLeaseName(this.shardOf(type, key))))?.owner ?? null;
  }

  /** Shards held per node, read from every shard's lease. */
  async ownership(): Promise<ShardOwnership> {
    const holders = await Promise.all(
      Array.from({ length: this.config.shards }, (_, shard) => this.leases.holder(shardLeaseName(shard))),
    );
    const owners: Record<string, number> = {};
    for (const holder of holders) if (holder) owners[holder.owner] = (owners[holder.owner] ?? 0) + 1;
    return { shards: this.config.shards, owners };
  }
}
