import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { CacheService, type CacheNamespace, type CacheTier } from '@shoal/cache';
import { ClusterConnections } from '@shoal/cluster';
import { CLUSTER_CONFIG, type ClusterConfig } from '@shoal/cluster/internal';
import { createFlagTables, flagTables } from './flags.schema.js';

/** A feature flag as stored in Postgres. */
export interface Flag {
  name: string;
  enabled: boolean;
  version: number;
}

/** What `GET /flags/:name` answers. */
export interface FlagView extends Flag {
  servedFrom: CacheTier;
}

/**
 * Feature flags in Postgres, read through the cache (`getOrSet`), written together with their invalidation in one
 * transaction (`delete(name, { manager })`): every replica serves the new value once the write has answered.
 */
@Injectable()
export class FlagsService implements OnModuleInit {
  private readonly tables: ReturnType<typeof flagTables>;
  private readonly cache: CacheNamespace<Flag>;
  private originLoads = 0;
  private loadsInFlight = 0;

  constructor(
    private readonly connections: ClusterConnections,
    cache: CacheService,
    @Inject(CLUSTER_CONFIG) private readonly config: ClusterConfig,
  ) {
    this.tables = flagTables(config.prefix);
    this.cache = cache.namespace<Flag>('flags');
  }

  async onModuleInit(): Promise<void> {
    await createFlagTables(this.connections.postgres('the sample app'), this.config.prefix);
  }

  /**
   * The flag through the cache. An unknown flag is `{ enabled: false, version: 0 }` (and cached as such).
   * `loadMs` slows the origin load down, to watch single flight at work.
   */
  async read(name: string, loadMs = 0, singleFlight = true): Promise<FlagView> {
    const { value, servedFrom } = await this.cache.getOrSetDetailed(name, () => this.load(name, loadMs), {
      singleFlight,
    });
    return { ...value, servedFrom };
  }

  /** Writes the flag and invalidates it in the same transaction. */
  async write(name: string, enabled: boolean): Promise<Flag> {
    return this.connections.postgres().transaction(async (manager) => {
      const [row] = (await manager.query(
        `INSERT INTO ${this.tables.flags} (name, enabled, version) VALUES ($1, $2, 1)
         ON CONFLICT (name) DO UPDATE SET enabled = $2, version = ${this.tables.flags}.version + 1, updated_at = now()
         RETURNING name, enabled, version`,
        [name, enabled],
      )) as Flag[];
      await this.cache.delete(name, { manager });
      return row;
    });
  }

  /** Origin loads: this replica's since start, and the cluster's (a Postgres counter). */
  async stats(): Promise<{ originLoads: number; loadsInFlight: number; clusterOriginLoads: number }> {
    const [row] = (await this.connections
      .postgres()
      .query(`SELECT coalesce(sum(loads), 0)::int AS total FROM ${this.tables.loads}`)) as {
      total: number;
    }[];
    return {
      originLoads: this.originLoads,
      loadsInFlight: this.loadsInFlight,
      clusterOriginLoads: row.total,
    };
  }

  private async load(name: string, loadMs: number): Promise<Flag> {
    this.originLoads += 1;
    this.loadsInFlight += 1;
    try {
      const db = this.connections.postgres();
      await db.query(
        `INSERT INTO ${this.tables.loads} (name, loads) VALUES ($1, 1)
         ON CONFLICT (name) DO UPDATE SET loads = ${this.tables.loads}.loads + 1`,
        [name],
      );
      if (loadMs > 0) await new Promise((resolve) => setTimeout(resolve, loadMs));
      const [row] = (await db.query(
        `SELECT name, enabled, version FROM ${this.tables.flags} WHERE name = $1`,
        [name],
      )) as Flag[];
      return row ?? { name, enabled: false, version: 0 };
    } finally {
      this.loadsInFlight -= 1;
    }
  }
}
