import type { ClusterConnections } from '@shoal/cluster';
import type { EventBus } from '@shoal/events';
import type { EntityManager } from 'typeorm';
import { OutboxUnavailableError } from '../errors/outbox-unavailable.error.js';
import { AfterCommit } from './after-commit.js';
import { CacheInvalidated } from './cache-invalidated.event.js';

/** What to invalidate. */
export interface Invalidation {
  readonly namespace?: string;
  readonly keys: readonly string[];
  readonly tags: readonly string[];
}

/**
 * Invalidations tied to a transaction: a `CacheInvalidated` event in the outbox (delivered to every node by the
 * event bus if and only if the transaction commits), applied right after the commit on this node too.
 */
export class CacheOutbox {
  private afterCommit?: AfterCommit;

  constructor(
    private readonly cacheName: string,
    private readonly events: EventBus | undefined,
    private readonly connections: ClusterConnections,
    private readonly applyNow: (invalidation: Invalidation) => Promise<void>,
  ) {}

  async write(manager: EntityManager, invalidation: Invalidation): Promise<void> {
    if (!this.events || !this.connections.hasPostgres) throw new OutboxUnavailableError();
    await this.events.publish(
      new CacheInvalidated(
        this.cacheName,
        invalidation.namespace,
        [...invalidation.keys],
        [...invalidation.tags],
      ),
      { manager },
    );
    const runner = manager.queryRunner;
    if (runner) {
      this.afterCommit ??= AfterCommit.on(this.connections.postgres());
      this.afterCommit.add(runner, () => this.applyNow(invalidation));
    }
  }
}
