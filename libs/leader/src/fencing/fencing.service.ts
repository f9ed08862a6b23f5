import { Inject, Injectable } from '@nestjs/common';
import { ClusterConnections } from '@shoal/cluster';
import { CLUSTER_CONFIG, ensurePostgresSchema, type ClusterConfig } from '@shoal/cluster/internal';
import type { EntityManager } from 'typeorm';
import { StaleFencingTokenError } from '../errors/stale-fencing-token.error.js';
import { SingletonContext } from '../singleton/singleton-context.js';

/**
 * Fenced writes in PostgreSQL: each resource remembers the highest token that wrote to it, and a write carrying an
 * older token is refused. A leader that was paused or partitioned past its lease — and does not know it yet —
 * cannot overwrite what its successor wrote.
 *
 * ```ts
 * @Singleton() @Interval(1000)
 * async settle() {
 *   await this.fencing.transaction('settlement', async (manager) => { ...writes... });
 * }
 * ```
 */
@Injectable()
export class FencingService {
  private ready?: Promise<void>;
  private readonly table: string;

  constructor(
    private readonly connections: ClusterConnections,
    @Inject(CLUSTER_CONFIG) private readonly cluster: ClusterConfig,
  ) {
    this.table = `"${cluster.prefix}"."fencing_tokens"`;
  }

  /**
   * Checks `token` (default: the running singleton's) against `resource` inside the caller's transaction and
   * records it. Holds the resource's row lock until the transaction ends, so fenced writers are serialized.
   * @throws StaleFencingTokenError when a higher token already wrote; the caller's transaction must roll back.
   */
  async check(manager: EntityManager, resource: string, token = this.currentToken()): Promise<void> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error(
        'FencingService.check() must run inside a transaction (use FencingService.transaction())',
      );
    }
    await this.ensureTable();
    const rows = (await manager.query(
      `INSERT INTO ${this.table} AS f (resource, token) VALUES ($1, $2)
       ON CONFLICT (resource) DO UPDATE SET token = excluded.token WHERE f.token <= excluded.token
       RETURNING token`,
      [resource, token],
    )) as unknown[];
    if (rows.length === 0) throw new StaleFencingTokenError(resource, token);
  }

  /** Runs `work` in a transaction that first checks the token; nothing of it commits if the token is stale. */
  async transaction<T>(
    resource: string,
    work: (manager: EntityManager) => Promise<T>,
    token = this.currentToken(),
  ): Promise<T> {
    await this.ensureTable();
    return this.connections.postgres('FencingService').transaction(async (manager) => {
      await this.check(manager, resource, token);
      return work(manager);
    });
  }

  private currentToken(): number {
    const run = SingletonContext.current();
    if (!run) throw new Error('no fencing token: pass one, or call from inside a @Singleton() method');
    return run.token;
  }

  private ensureTable(): Promise<void> {
    this.ready ??= ensurePostgresSchema(this.connections.postgres('FencingService'), this.cluster.prefix, [
      `CREATE TABLE IF NOT EXISTS ${this.table} (resource text PRIMARY KEY, token bigint NOT NULL)`,
    ]).catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }
}
