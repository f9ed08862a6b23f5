import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ClusterConnections, ClusterService } from '@shoal/cluster';
import { CLUSTER_CONFIG, type ClusterConfig } from '@shoal/cluster/internal';
import { JobsService } from '@shoal/jobs';
import { JobWorkers, QueueRegistry } from '@shoal/jobs/internal';
import type { Subscription } from 'rxjs';
import { randomUUID } from 'node:crypto';
import { CircuitBreaker } from './delivery/circuit-breaker.js';
import { RetryPolicy } from './delivery/retry-policy.js';
import { webhookDeliveryHandler, type WebhookDeliveryJob } from './delivery/webhook-delivery.js';
import { WebhookHttpClients } from './delivery/webhook-http-clients.js';
import { WebhookRetryError } from './delivery/webhook-retry.error.js';
import {
  PostgresEndpointVersions,
  RedisEndpointVersions,
  type EndpointVersions,
} from './endpoints/endpoint-versions.js';
import { WebhookStore, type WebhookAttempt, type WebhookEndpoint } from './endpoints/webhook-store.js';
import { assertValidWebhookSecret, generateWebhookSecret } from './signing/webhook-signer.js';
import { WEBHOOKS_CONFIG, WEBHOOK_QUEUE } from './webhooks.constants.js';
import type { WebhooksConfig } from './webhooks-config.js';

/**
 * Signed webhook delivery: one job per (message, endpoint) on the `shoal-webhooks` queue, Standard Webhooks headers,
 * a retry schedule like Svix's with jitter that honours `Retry-After`, a circuit breaker per endpoint, an SSRF guard
 * on every connection, and every attempt recorded.
 *
 * Guarantee: a message is delivered to each endpoint at least once, or dead-lettered with its last error, or the
 * endpoint was disabled (410); the `webhook-id` is the same on every attempt, so receivers can dedupe. An endpoint's
 * SSRF policy is stored with it, so which replica delivers does not change a delivery's fate.
 */
@Injectable()
export class WebhookService implements OnModuleInit, OnApplicationShutdown {
  private readonly clients: WebhookHttpClients;
  private readonly policy: RetryPolicy;
  private readonly breaker: CircuitBreaker;
  private storeInstance?: WebhookStore;
  private versions?: EndpointVersions;
  private dataLoss?: Subscription;

  constructor(
    @Inject(WEBHOOKS_CONFIG) private readonly config: WebhooksConfig,
    @Inject(CLUSTER_CONFIG) private readonly cluster: ClusterConfig,
    private readonly connections: ClusterConnections,
    private readonly jobs: JobsService,
    private readonly registry: QueueRegistry,
    private readonly workers: JobWorkers,
    private readonly clusterService: ClusterService,
  ) {
    this.clients = new WebhookHttpClients({
      connectTimeoutMs: config.connectTimeout,
      timeoutMs: config.timeout,
    });
    this.policy = new RetryPolicy({ schedule: config.schedule });
    this.breaker = new CircuitBreaker({
      failureThreshold: config.circuitBreaker.failureThreshold,
      cooldownMs: config.circuitBreaker.cooldown,
    });
  }

  onModuleInit(): void {
    this.connections.postgres('WebhooksModule (endpoints and attempts)');
    this.registry.register({
      name: WEBHOOK_QUEUE,
      concurrency: this.config.concurrency,
      attempts: this.policy.maxAttempts,
    });
    this.workers.handle(WEBHOOK_QUEUE, webhookDeliveryHandler(this.store(), this.clients, this.breaker));
    // The endpoint cache follows a Redis counter; when Redis lost its data the counter restarts, so drop the cache.
    this.dataLoss = this.clusterService.redisDataLoss$.subscribe(() => this.storeInstance?.forgetCached());
    this.workers.backoff('webhook', (attemptsMade, _type, error) => {
      const retryAfter = error instanceof WebhookRetryError ? error.retryAfterMs : undefined;
      return this.policy.nextDelay(attemptsMade, retryAfter) ?? 0;
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.dataLoss?.unsubscribe();
    await this.versions?.close().catch(() => undefined);
    await this.clients.close();
  }

  /**
   * Registers an endpoint; its URL is checked now against this node's SSRF policy (`allowPrivateNetworks`,
   * `allowList`), which is stored with the endpoint and applied on every connection of every delivery, on any replica.
   * @returns the endpoint, with its `whsec_` secret (generated unless given).
   * @throws UnsafeWebhookTargetError, InvalidWebhookSecretError
   */
  async createEndpoint(input: {
    url: string;
    secret?: string;
    eventTypes?: string[];
  }): Promise<WebhookEndpoint> {
    const policy = {
      allowPrivateNetworks: this.config.allowPrivateNetworks,
      allowList: this.config.allowList,
    };
    await this.clients.guard(policy).check(input.url);
    const secret = input.secret ?? generateWebhookSecret();
    assertValidWebhookSecret(secret);
    return this.store().createEndpoint(input.url, secret, input.eventTypes ?? [], policy);
  }

  /** Adds a new secret; the previous one keeps signing too until the next rotation. @returns the new secret. */
  async rotateSecret(endpointId: string, secret = generateWebhookSecret()): Promise<string> {
    assertValidWebhookSecret(secret);
    await this.store().rotateSecret(endpointId, secret);
    return secret;
  }

  endpoints(): Promise<WebhookEndpoint[]> {
    return this.store().listEndpoints();
  }

  /**
   * Sends `payload` as `eventType` to every enabled endpoint that wants it: one job each.
   * @param options.webhookId the message id (`webhook-id` header): pass the event id when it comes from an event,
   *   so a redelivered event does not make a second message. Default: a new id.
   * @returns the delivery ids.
   */
  async send(eventType: string, payload: unknown, options: { webhookId?: string } = {}): Promise<string[]> {
    const webhookId = options.webhookId ?? `msg_${randomUUID()}`;
    const body = JSON.stringify({ type: eventType, timestamp: new Date().toISOString(), data: payload });
    const endpoints = await this.store().endpointsFor(eventType);
    const ids: string[] = [];
    for (const endpoint of endpoints) {
      const deliveryId = `${webhookId}.${endpoint.id}`;
      const data: WebhookDeliveryJob = { deliveryId, endpointId: endpoint.id, webhookId, eventType, body };
      await this.jobs.add(WEBHOOK_QUEUE, 'deliver', data, {
        idempotencyKey: deliveryId,
        delay: this.policy.schedule[0] || undefined,
        attempts: this.policy.maxAttempts,
        backoff: 'webhook',
      });
      ids.push(deliveryId);
    }
    return ids;
  }

  /** Recorded attempts, newest first. */
  attempts(
    filter: { endpointId?: string; webhookId?: string; limit?: number } = {},
  ): Promise<WebhookAttempt[]> {
    return this.store().listAttempts(filter);
  }

  private store(): WebhookStore {
    if (!this.storeInstance) {
      const dataSource = this.connections.postgres('WebhooksModule (endpoints and attempts)');
      this.versions = this.connections.hasRedis
        ? new RedisEndpointVersions(this.connections.redis(), this.cluster.prefix)
        : new PostgresEndpointVersions(dataSource, this.cluster.prefix);
      this.storeInstance = new WebhookStore(dataSource, this.cluster.prefix, this.versions);
    }
    return this.storeInstance;
  }
}
