import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { ClusterConnections, ClusterService } from '@shoal/cluster';
import { DeadLetters } from '@shoal/events';
import { QueuesHealthIndicator } from '@shoal/health';
import { JobDeadLetters } from '@shoal/jobs';
import { LeaderService } from '@shoal/leader';
import { PresenceService } from '@shoal/realtime';
import { WebhookService } from '@shoal/webhooks';
import type { Subscription } from 'rxjs';
import { orderTables } from '../orders/orders.schema.js';
import type { DashboardOrder, DashboardQueue, DashboardSnapshot } from './dashboard-snapshot.js';

/** How many sample keys the shard panel places on the ring. */
export const SHARD_SAMPLE_KEYS = 240;
/** How many dead letters are counted (and replayed) at most per store. */
const DEAD_LETTER_COUNT_LIMIT = 1000;

interface QueueDead {
  readonly deadLetters: number;
}

/**
 * Builds this replica's snapshot for the dashboard from Shoal's public services and the sample's tables. Each part
 * is read on its own: a store that does not answer blanks its panels and is named in `errors`, the rest still shows.
 */
@Injectable()
export class DashboardState implements OnModuleDestroy {
  private readonly seen: { type: 'joined' | 'left'; id: string; at: string }[] = [];
  private readonly subscription: Subscription;

  constructor(
    private readonly cluster: ClusterService,
    private readonly connections: ClusterConnections,
    private readonly leader: LeaderService,
    private readonly queues: QueuesHealthIndicator,
    private readonly jobDeadLetters: JobDeadLetters,
    private readonly deadLetters: DeadLetters,
    private readonly presence: PresenceService,
    private readonly webhooks: WebhookService,
  ) {
    this.subscription = cluster.events$.subscribe((event) => {
      this.seen.push({ type: event.type, id: event.member.id, at: event.at.toISOString() });
      if (this.seen.length > 30) this.seen.shift();
    });
  }

  onModuleDestroy(): void {
    this.subscription.unsubscribe();
  }

  async snapshot(): Promise<DashboardSnapshot> {
    const errors: string[] = [];
    const attempt = async <T>(part: string, read: () => Promise<T>): Promise<T | null> => {
      try {
        return await read();
      } catch {
        errors.push(part);
        return null;
      }
    };
    const [queues, eventDeadLetters, outbox, presence, orders, webhooks] = await Promise.all([
      attempt('queues', () => this.queueDepths()),
      attempt(
        'dead letters',
        async () => (await this.deadLetters.list({ limit: DEAD_LETTER_COUNT_LIMIT })).length,
      ),
      attempt('outbox', () => this.outboxLag()),
      attempt('presence', () => this.presence.totals()),
      attempt('orders', () => this.recentOrders()),
      attempt('webhooks', () => this.webhooks.attempts({ limit: 10 })),
    ]);
    const now = Date.now();
    const leader = this.leader.leader();
    const ids = this.cluster.members().map((m) => m.id);
    const shards = new Map(ids.map((id) => [id, 0]));
    for (let i = 0; i < SHARD_SAMPLE_KEYS; i += 1) {
      const owner = this.cluster.ownerOf(`key-${i}`);
      shards.set(owner, (shards.get(owner) ?? 0) + 1);
    }
    return {
      node: this.cluster.self.id,
      at: new Date(now).toISOString(),
      members: this.cluster.members().map((m) => ({
        id: m.id,
        role: leader?.id === m.id ? 'leader' : 'follower',
        self: m.id === this.cluster.self.id,
        startedAt: new Date(m.startedAt).toISOString(),
        ageMs: Math.max(0, now - m.startedAt),
        host: m.host,
        pid: m.pid,
        shards: shards.get(m.id) ?? 0,
      })),
      leader,
      shardSampleKeys: SHARD_SAMPLE_KEYS,
      events: [...this.seen].reverse(),
      queues: queues ?? [],
      eventDeadLetters,
      outbox,
      presence,
      orders: orders ?? [],
      webhooks: (webhooks ?? []).map(({ id, webhookId, eventType, attempt: n, status, outcome, at }) => ({
        id,
        webhookId,
        eventType,
        attempt: n,
        status,
        outcome,
        at,
      })),
      errors,
    };
  }

  /** Every queue's depth, as HealthModule's queue indicator reads it (no thresholds: only the figures). */
  private async queueDepths(): Promise<DashboardQueue[]> {
    const result = await this.queues.isHealthy('queues', {});
    const details = result.queues as {
      queues?: Record<string, Omit<DashboardQueue, 'name' | 'dead'> & QueueDead>;
    };
    if (!details.queues) throw new Error(String(result.queues.message ?? 'queues did not answer'));
    return Object.entries(details.queues).map(([name, d]) => ({
      name,
      waiting: d.waiting,
      active: d.active,
      delayed: d.delayed,
      failed: d.failed,
      dead: d.deadLetters,
    }));
  }

  private async outboxLag(): Promise<{ pending: number; oldestAgeMs: number }> {
    const [row] = (await this.connections.postgres().query(
      `SELECT count(*)::int AS pending,
              coalesce(extract(epoch FROM now() - min(created_at)) * 1000, 0)::float8 AS age
       FROM "${this.cluster.prefix}"."outbox" WHERE published_at IS NULL`,
    )) as { pending: number; age: number }[];
    return { pending: row.pending, oldestAgeMs: Math.round(row.age) };
  }

  private async recentOrders(): Promise<DashboardOrder[]> {
    const rows = (await this.connections.postgres().query(
      `SELECT id, user_id, total::float8 AS total, created_at FROM ${orderTables(this.cluster.prefix).orders}
       ORDER BY created_at DESC LIMIT 15`,
    )) as { id: string; user_id: string; total: number; created_at: Date }[];
    return rows.map((r) => ({
      id: r.id,
      userId: r.user_id,
      total: r.total,
      createdAt: r.created_at.toISOString(),
    }));
  }

  /** Replays every event and job dead letter (up to 1000 of each); returns how many went back. */
  async replayDeadLetters(): Promise<{ events: number; jobs: number }> {
    let events = 0;
    for (const letter of await this.deadLetters.list({ limit: DEAD_LETTER_COUNT_LIMIT })) {
      if (await this.deadLetters.replay(letter.id)) events += 1;
    }
    let jobs = 0;
    for (const { name } of await this.queueDepths()) {
      for (const dead of await this.jobDeadLetters.list(name, DEAD_LETTER_COUNT_LIMIT)) {
        if ((await this.jobDeadLetters.replay(name, dead.id)) !== undefined) jobs += 1;
      }
    }
    return { events, jobs };
  }
}
