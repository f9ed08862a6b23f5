/** One replica's view of the cluster, as the dashboard shows it (`GET /dashboard/state`, socket event `dashboard.state`). */
export interface DashboardSnapshot {
  /** The replica that built this snapshot. */
  readonly node: string;
  /** When it was built (ISO, that replica's clock). */
  readonly at: string;
  readonly members: readonly DashboardMember[];
  readonly leader: { readonly id: string; readonly token: number } | null;
  /** How many of `shardSampleKeys` sample keys each member owns on the shard ring. */
  readonly shardSampleKeys: number;
  readonly events: readonly { readonly type: 'joined' | 'left'; readonly id: string; readonly at: string }[];
  readonly queues: readonly DashboardQueue[];
  /** Events that handlers gave up on (the first 1000 counted). */
  readonly eventDeadLetters: number | null;
  /** Unpublished outbox rows and the age of the oldest; null when Postgres did not answer. */
  readonly outbox: { readonly pending: number; readonly oldestAgeMs: number } | null;
  readonly presence: { readonly users: number; readonly sockets: number } | null;
  readonly orders: readonly DashboardOrder[];
  readonly webhooks: readonly DashboardDelivery[];
  /** Parts that could not be read this time (a store unreachable...), by name. */
  readonly errors: readonly string[];
}

export interface DashboardMember {
  readonly id: string;
  readonly role: 'leader' | 'follower';
  readonly self: boolean;
  readonly startedAt: string;
  readonly ageMs: number;
  readonly host: string;
  readonly pid: number;
  readonly shards: number;
}

export interface DashboardQueue {
  readonly name: string;
  readonly waiting: number;
  readonly active: number;
  readonly delayed: number;
  readonly failed: number;
  readonly dead: number;
}

export interface DashboardOrder {
  readonly id: string;
  readonly userId: string;
  readonly total: number;
  readonly createdAt: string;
}

export interface DashboardDelivery {
  readonly id: number;
  readonly webhookId: string;
  readonly eventType: string;
  readonly attempt: number;
  readonly status: number | null;
  readonly outcome: string;
  readonly at: string;
}
