import { addColumnIfMissing, createIndexIfMissing, ensurePostgresSchema } from '@shoal/cluster/internal';
import type { DataSource } from 'typeorm';
import type { EndpointVersions } from './endpoint-versions.js';

/** A receiver of webhooks. */
export interface WebhookEndpoint {
  readonly id: string;
  readonly url: string;
  /** Signing secrets, newest first; all of them sign during a rotation. */
  readonly secrets: readonly string[];
  /** Event types it wants; empty = all. */
  readonly eventTypes: readonly string[];
  /**
   * The SSRF policy its deliveries run under, fixed when it was created (from the creating node's options), so every
   * replica delivers it the same way.
   */
  readonly targetPolicy: WebhookTargetPolicy;
  readonly disabledAt: string | null;
  readonly disabledReason: string | null;
  readonly createdAt: string;
}

/** What private targets an endpoint may reach: see `WebhooksModuleOptions`. */
export interface WebhookTargetPolicy {
  readonly allowPrivateNetworks: boolean;
  readonly allowList: readonly string[];
}

/** One delivery attempt, as recorded. */
export interface WebhookAttempt {
  readonly id: number;
  readonly deliveryId: string;
  readonly endpointId: string;
  readonly webhookId: string;
  readonly eventType: string;
  readonly attempt: number;
  /** HTTP status, or null when no response came. */
  readonly status: number | null;
  /** `success`, `retry`, `disable`, `final`, `circuit-open`, `skipped`. */
  readonly outcome: string;
  readonly durationMs: number;
  readonly error: string | null;
  readonly at: string;
}

interface EndpointRow {
  id: string;
  url: string;
  secrets: string[];
  event_types: string[];
  allow_private_networks: boolean;
  allow_list: string[];
  disabled_at: Date | null;
  disabled_reason: string | null;
  created_at: Date;
}

/** Webhook endpoints and attempts in `<prefix>.webhook_endpoints` / `<prefix>.webhook_attempts`. */
export class WebhookStore {
  private ready?: Promise<void>;
  private readonly pending: {
    attempt: Omit<WebhookAttempt, 'id' | 'at'>;
    resolve: () => void;
    reject: (error: unknown) => void;
  }[] = [];
  private flushTimer?: NodeJS.Timeout;
  private readonly cache = new Map<
    string,
    { endpoint: Promise<WebhookEndpoint | undefined>; until: number }
  >();
  private readonly byType = new Map<string, { endpoints: Promise<WebhookEndpoint[]>; version: string }>();
  private readonly endpoints: string;
  private readonly attempts: string;

  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
    private readonly versions: EndpointVersions,
    /** Counts every recorded attempt by outcome (`shoal_webhook_deliveries_total`). */
    private readonly deliveries?: { inc(labels: { outcome: string }): void },
  ) {
    this.endpoints = `"${schema}"."webhook_endpoints"`;
    this.attempts = `"${schema}"."webhook_attempts"`;
  }

  /** Drops every cached endpoint (the version counter they were cached under may have been lost with Redis). */
  forgetCached(): void {
    this.cache.clear();
    this.byType.clear();
  }

  async createEndpoint(
    url: string,
    secret: string,
    eventTypes: readonly string[],
    policy: WebhookTargetPolicy,
  ): Promise<WebhookEndpoint> {
    await this.ensure();
    const rows = (await this.dataSource.query(
      `INSERT INTO ${this.endpoints} (id, url, secrets, event_types, allow_private_networks, allow_list)
       VALUES (gen_random_uuid(), $1, $2, $3, $4, $5) RETURNING *`,
      [url, [secret], eventTypes, policy.allowPrivateNetworks, policy.allowList],
    )) as EndpointRow[];
    await this.versions.bump();
    return this.toEndpoint(rows[0]);
  }

  /** The endpoint, cached for 2 s (deliveries to one endpoint come in bursts); `disable` clears it here. */
  async endpoint(id: string): Promise<WebhookEndpoint | undefined> {
    const cached = this.cache.get(id);
    if (cached && cached.until > Date.now()) return cached.endpoint;
    // The promise is cached, not the result: deliveries that miss together share one query.
    const endpoint = this.loadEndpoint(id);
    this.cache.set(id, { endpoint, until: Date.now() + 2000 });
    if (this.cache.size > 10_000) this.cache.clear();
    endpoint.catch(() => this.cache.delete(id));
    return endpoint;
  }

  private async loadEndpoint(id: string): Promise<WebhookEndpoint | undefined> {
    await this.ensure();
    const rows = (await this.dataSource.query(`SELECT * FROM ${this.endpoints} WHERE id = $1`, [
      id,
    ])) as EndpointRow[];
    return rows[0] ? this.toEndpoint(rows[0]) : undefined;
  }

  /**
   * Enabled endpoints that want `eventType`. Cached while the cluster-wide endpoints version (a Redis counter bumped
   * by every change on any node) stays the same: one Redis GET per message instead of a Postgres query.
   */
  async endpointsFor(eventType: string): Promise<WebhookEndpoint[]> {
    const version = await this.versions.current();
    const cached = this.byType.get(eventType);
    if (cached && cached.version === version) return cached.endpoints;
    const endpoints = this.loadEndpointsFor(eventType); // shared by concurrent misses
    this.byType.set(eventType, { endpoints, version });
    if (this.byType.size > 1000) this.byType.clear();
    endpoints.catch(() => this.byType.delete(eventType));
    return endpoints;
  }

  private async loadEndpointsFor(eventType: string): Promise<WebhookEndpoint[]> {
    await this.ensure();
    const rows = (await this.dataSource.query(
      `SELECT * FROM ${this.endpoints}
       WHERE disabled_at IS NULL AND (cardinality(event_types) = 0 OR $1 = ANY(event_types)) ORDER BY created_at`,
      [eventType],
    )) as EndpointRow[];
    return rows.map((r) => this.toEndpoint(r));
  }

  async listEndpoints(): Promise<WebhookEndpoint[]> {
    await this.ensure();
    const rows = (await this.dataSource.query(
      `SELECT * FROM ${this.endpoints} ORDER BY created_at`,
    )) as EndpointRow[];
    return rows.map((r) => this.toEndpoint(r));
  }

  /** Adds a new secret in front; keeps at most `keep` (the old ones keep signing until they drop out). */
  async rotateSecret(id: string, secret: string, keep = 2): Promise<void> {
    this.cache.delete(id);
    await this.ensure();
    await this.dataSource.query(
      `UPDATE ${this.endpoints} SET secrets = (ARRAY[$2::text] || secrets)[1:$3] WHERE id = $1`,
      [id, secret, keep],
    );
    await this.versions.bump();
  }

  async disable(id: string, reason: string): Promise<void> {
    this.cache.delete(id);
    await this.ensure();
    await this.dataSource.query(
      `UPDATE ${this.endpoints} SET disabled_at = now(), disabled_reason = $2 WHERE id = $1 AND disabled_at IS NULL`,
      [id, reason],
    );
    await this.versions.bump();
  }

  /**
   * Records an attempt; resolves once it is written. Attempts recorded at about the same time are written in one
   * multi-row INSERT (at high delivery rates this is what keeps Postgres from being the bottleneck).
   */
  recordAttempt(attempt: Omit<WebhookAttempt, 'id' | 'at'>): Promise<void> {
    this.deliveries?.inc({ outcome: attempt.outcome });
    return new Promise((resolve, reject) => {
      this.pending.push({ attempt, resolve, reject });
      if (this.pending.length >= 500) void this.flush();
      else this.flushTimer ??= setTimeout(() => void this.flush(), 5);
    });
  }

  private async flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const batch = this.pending.splice(0, this.pending.length);
    if (batch.length === 0) return;
    const column = <T>(pick: (a: Omit<WebhookAttempt, 'id' | 'at'>) => T) =>
      batch.map((b) => pick(b.attempt));
    try {
      await this.ensure();
      await this.dataSource.query(
        `INSERT INTO ${this.attempts}
           (delivery_id, endpoint_id, webhook_id, event_type, attempt, status, outcome, duration_ms, error)
         SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::int[], $6::int[], $7::text[],
                              $8::int[], $9::text[])`,
        [
          column((a) => a.deliveryId),
          column((a) => a.endpointId),
          column((a) => a.webhookId),
          column((a) => a.eventType),
          column((a) => a.attempt),
          column((a) => a.status),
          column((a) => a.outcome),
          column((a) => Math.round(a.durationMs)),
          column((a) => a.error),
        ],
      );
      for (const b of batch) b.resolve();
    } catch (error) {
      for (const b of batch) b.reject(error);
    }
  }

  /** Latest attempts first. */
  async listAttempts(
    filter: { endpointId?: string; webhookId?: string; limit?: number } = {},
  ): Promise<WebhookAttempt[]> {
    await this.ensure();
    const rows = (await this.dataSource.query(
      `SELECT * FROM ${this.attempts}
       WHERE ($1::uuid IS NULL OR endpoint_id = $1) AND ($2::text IS NULL OR webhook_id = $2)
       ORDER BY id DESC LIMIT $3`,
      [filter.endpointId ?? null, filter.webhookId ?? null, filter.limit ?? 100],
    )) as Record<string, unknown>[];
    return rows.map((r) => ({
      id: Number(r.id),
      deliveryId: String(r.delivery_id),
      endpointId: String(r.endpoint_id),
      webhookId: String(r.webhook_id),
      eventType: String(r.event_type),
      attempt: Number(r.attempt),
      status: r.status === null ? null : Number(r.status),
      outcome: String(r.outcome),
      durationMs: Number(r.duration_ms),
      error: r.error === null ? null : String(r.error),
      at: (r.at as Date).toISOString(),
    }));
  }

  private ensure(): Promise<void> {
    this.ready ??= ensurePostgresSchema(this.dataSource, this.schema, [
      `CREATE TABLE IF NOT EXISTS ${this.endpoints} (
         id uuid PRIMARY KEY, url text NOT NULL, secrets text[] NOT NULL, event_types text[] NOT NULL DEFAULT '{}',
         disabled_at timestamptz, disabled_reason text, created_at timestamptz NOT NULL DEFAULT now())`,
      `CREATE TABLE IF NOT EXISTS ${this.attempts} (
         id bigserial PRIMARY KEY, delivery_id text NOT NULL, endpoint_id uuid NOT NULL, webhook_id text NOT NULL,
         event_type text NOT NULL, attempt int NOT NULL, status int, outcome text NOT NULL, duration_ms int NOT NULL,
         error text, at timestamptz NOT NULL DEFAULT now())`,
      createIndexIfMissing('webhook_attempts_webhook', this.attempts, '(webhook_id)'),
      addColumnIfMissing(this.endpoints, 'allow_private_networks', 'boolean NOT NULL DEFAULT false'),
      addColumnIfMissing(this.endpoints, 'allow_list', `text[] NOT NULL DEFAULT '{}'`),
    ]).catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  private toEndpoint(row: EndpointRow): WebhookEndpoint {
    return {
      id: row.id,
      url: row.url,
      secrets: row.secrets,
      eventTypes: row.event_types,
      targetPolicy: { allowPrivateNetworks: row.allow_private_networks, allowList: row.allow_list },
      disabledAt: row.disabled_at ? row.disabled_at.toISOString() : null,
      disabledReason: row.disabled_reason,
      createdAt: row.created_at.toISOString(),
    };
  }
}
