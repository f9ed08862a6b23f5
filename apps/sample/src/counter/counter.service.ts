import { Injectable } from '@nestjs/common';
import { ClusterConnections, ClusterService } from '@shoal/cluster';
import { WithLock } from '@shoal/leader';

/**
 * A counter updated by read-modify-write — a value in Redis, or a row in Postgres when the cluster runs on Postgres
 * alone: correct across replicas only because of `@WithLock`.
 */
@Injectable()
export class CounterService {
  private readonly key: string;
  private readonly table: string;
  private tableReady?: Promise<void>;

  constructor(
    private readonly cluster: ClusterService,
    private readonly connections: ClusterConnections,
  ) {
    this.key = `${this.cluster.prefix}:sample:counter`;
    this.table = `"${this.cluster.prefix}"."sample_counter"`;
  }

  @WithLock('sample-counter', { ttl: 5000, wait: 30_000 })
  async increment(): Promise<number> {
    const next = (await this.value()) + 1;
    if (this.connections.hasRedis) {
      await this.connections.redis().set(this.key, String(next));
    } else {
      await this.connections
        .postgres()
        .query(
          `INSERT INTO ${this.table} (id, value) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET value = $1`,
          [next],
        );
    }
    return next;
  }

  async value(): Promise<number> {
    if (this.connections.hasRedis) return Number((await this.connections.redis().get(this.key)) ?? '0');
    await this.ensureTable();
    const rows = (await this.connections
      .postgres()
      .query(`SELECT value FROM ${this.table} WHERE id = 1`)) as { value: string }[];
    return Number(rows[0]?.value ?? 0);
  }

  /** Creates the counter's table once (replicas starting together serialize on an advisory lock). */
  private ensureTable(): Promise<void> {
    this.tableReady ??= this.connections
      .postgres()
      .transaction(async (manager) => {
        await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [this.table]);
        await manager.query(`CREATE SCHEMA IF NOT EXISTS "${this.cluster.prefix}"`);
        await manager.query(
          `CREATE TABLE IF NOT EXISTS ${this.table} (id int PRIMARY KEY, value bigint NOT NULL)`,
        );
      })
      .catch((error: unknown) => {
        this.tableReady = undefined;
        throw error;
      });
    return this.tableReady;
  }
}
