import { Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/** Where the relay reads the Redis data generation (`ClusterService.redisEpoch`). */
export type RedisEpochSource = () => Promise<string>;

/** Thrown inside a relay transaction when Redis is not the one the outbox last published into: roll back, reconcile. */
export class OutboxEpochChangedError extends Error {
  constructor() {
    super('Redis is not the one the outbox last published into');
    this.name = 'OutboxEpochChangedError';
  }
}

/**
 * Keeps the outbox in step with Redis's data generation. `<schema>.outbox_epoch` records the epoch that published
 * rows went into. Each relay batch reads it (`FOR KEY SHARE`) and, after publishing, checks Redis still holds that
 * epoch; when not, the batch rolls back and `reconcile` runs: under `FOR UPDATE` (so no batch is half-way), it
 * marks every row published within `recoveryWindow` as unpublished again and records the new epoch — once per
 * data loss, whichever node gets there first, and durably: a node that dies half-way leaves the work to the next.
 */
export class OutboxEpoch {
  private readonly logger = new Logger('Shoal:OutboxRelay');
  private readonly outbox: string;
  private readonly table: string;
  /** The epoch this relay last confirmed in Postgres; batches against another one roll back. */
  private confirmed?: string;

  constructor(
    schema: string,
    private readonly current: RedisEpochSource,
    private readonly recoveryWindowMs: number,
    private readonly onReplayed: (rows: number) => void,
  ) {
    this.outbox = `"${schema}"."outbox"`;
    this.table = `"${schema}"."outbox_epoch"`;
  }

  /** SQL for the relay's batch query: the recorded epoch, locked against a concurrent reconcile. */
  get lockedEpochSql(): string {
    return `SELECT redis_epoch FROM ${this.table} WHERE id = 1 FOR KEY SHARE`;
  }

  /** Whether a batch that read `recorded` may publish (else it must roll back and reconcile). */
  accepts(recorded: string | null): boolean {
    return this.confirmed !== undefined && recorded === this.confirmed;
  }

  /** After publishing: throws when Redis no longer holds the epoch the batch was published under. */
  async confirmPublished(): Promise<void> {
    if ((await this.current()) !== this.confirmed) throw new OutboxEpochChangedError();
  }

  /** Brings the recorded epoch to Redis's current one, re-publishing the recovery window if Redis lost data. */
  async reconcile(manager: EntityManager): Promise<void> {
    const [row] = (await manager.query(`SELECT redis_epoch FROM ${this.table} WHERE id = 1 FOR UPDATE`)) as {
      redis_epoch: string;
    }[];
    const epoch = await this.current();
    if (!row) {
      // First relay against this outbox: nothing was published into another Redis that Shoal knows of.
      await manager.query(
        `INSERT INTO ${this.table} (id, redis_epoch) VALUES (1, $1) ON CONFLICT (id) DO NOTHING`,
        [epoch],
      );
    } else if (row.redis_epoch !== epoch) {
      const [, replayed] = (await manager.query(
        `UPDATE ${this.outbox} SET published_at = NULL
         WHERE published_at IS NOT NULL AND published_at >= now() - make_interval(secs => $1 / 1000.0)`,
        [this.recoveryWindowMs],
      )) as [unknown, number];
      await manager.query(`UPDATE ${this.table} SET redis_epoch = $1, changed_at = now() WHERE id = 1`, [
        epoch,
      ]);
      this.logger.warn(
        `Redis lost its data (epoch ${row.redis_epoch} -> ${epoch}): re-publishing ${replayed} outbox row(s) ` +
          `published in the last ${Math.round(this.recoveryWindowMs / 1000)} s; handlers see them again ` +
          "(idempotent: 'postgres' handlers skip what they did; 'redis' windows were lost with Redis)",
      );
      this.onReplayed(replayed);
    }
    this.confirmed = epoch;
  }
}
