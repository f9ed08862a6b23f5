import { Logger } from '@nestjs/common';
import type { DataSource, EntitySubscriberInterface, QueryRunner, TransactionCommitEvent } from 'typeorm';

type Work = () => Promise<void>;

/**
 * Runs work right after a TypeORM transaction commits (TypeORM awaits it before `transaction()` returns), and
 * drops it on rollback. Used to apply an outbox invalidation at once on the writing node, so the write's response
 * goes out after the cache was invalidated; the outbox event still covers a crash between commit and this.
 */
export class AfterCommit implements EntitySubscriberInterface {
  private readonly logger = new Logger('Shoal:Cache');
  private readonly pending = new WeakMap<QueryRunner, Work[]>();

  /** Registers this subscriber on `dataSource` (once). */
  static on(dataSource: DataSource): AfterCommit {
    const existing = dataSource.subscribers.find((s): s is AfterCommit => s instanceof AfterCommit);
    if (existing) return existing;
    const subscriber = new AfterCommit();
    dataSource.subscribers.push(subscriber);
    return subscriber;
  }

  /** Queues `work` for after the outermost commit of `runner`'s transaction. */
  add(runner: QueryRunner, work: Work): void {
    const list = this.pending.get(runner) ?? [];
    list.push(work);
    this.pending.set(runner, list);
  }

  async afterTransactionCommit(event: TransactionCommitEvent): Promise<void> {
    const runner = event.queryRunner;
    if (runner.isTransactionActive) return; // a savepoint was released; the outer transaction goes on
    const work = this.pending.get(runner);
    if (!work) return;
    this.pending.delete(runner);
    for (const item of work) {
      // Best effort: the outbox event delivers the invalidation anyway.
      await item().catch((error: unknown) => this.logger.warn(`invalidation after commit: ${String(error)}`));
    }
  }

  afterTransactionRollback(event: { queryRunner: QueryRunner }): void {
    if (!event.queryRunner.isTransactionActive) this.pending.delete(event.queryRunner);
  }
}
