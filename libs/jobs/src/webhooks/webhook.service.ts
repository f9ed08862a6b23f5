import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ClusterConnections, ClusterService } from '@shoal/cluster';
import { CLUSTER_CONFIG, type ClusterConfig } from '@shoal/cluster/internal';
import type { Subscription } from 'rxjs';
import { randomUUID } from 'node:crypto';
import type { JobsConfig } from '../jobs-config.js';
import { JOBS_CONFIG, WEBHOOK_QUEUE } from '../jobs.constants.js';
import { QueueRegistry } from '../queues/queue-registry.js';
import { WorkerHost } from '../workers/worker-host.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { RedisEndpointVersions } from './endpoint-versions.js';
import { RetryPolicy } from './retry-policy.js';
import { SsrfGuard } from './ssrf-guard.js';
import { webhookDeliveryHandler, type WebhookDeliveryJob } from './webhook-delivery.js';
import { WebhookHttpClient } from './webhook-http-client.js';
import { WebhookRetryError } from './webhook-retry.error.js';
import { assertValidWebhookSecret, generateWebhookSecret } from './webhook-signer.js';
import { withCorrelation } from '../workers/job-correlation.js';
import { webhookDeliveriesCounter } from './webhook.metrics.js';
import { WebhookStore, type WebhookAttempt, type WebhookEndpoint } from './webhook-store.js';

/**
 * Signed webhook delivery: one job per (message, endpoint) on the `shoal-webhooks` queue, Standard Webhooks headers,
 * a retry schedule like Svix's with jitter that honours `Retry-After`, a circuit breaker per endpoint, an SSRF guard
 * on every connection, and every attempt recorded.
 *
 * Guarantee: a message is delivered to each endpoint at least once, or dead-lettered with its last error, or the
 * endpoint was disabled (410); the `webhook-id` is the same on every attempt, so receivers can dedupe.
 */
@Injectable()
export class WebhookService implements OnModuleInit, OnApplicationShutdown {
  private readonly guard: SsrfGuard;
  private readonly client: WebhookHttpClient;
  private readonly policy: RetryPolicy;
  private readonly breaker: CircuitBreaker;
  private storeInstance?: WebhookStore;
  private dataLoss?: Subscription;

  constructor(
    @Inject(JOBS_CONFIG) private readonly config: JobsConfig,
    @Inject(CLUSTER_CONFIG) private readonly cluster: ClusterConfig,
    private readonly connections: ClusterConnections,
    private readonly registry: QueueRegistry,
    private readonly workers: WorkerHost,
    private readonly clusterService: ClusterService,
  ) {
    const w = config.webhooks;
    this.guard = new SsrfGuard({ allowPrivateNetworks: w.allowPrivateNetworks, allowList: w.allowList });
    this.client = new WebhookHttpClient({
      guard: this.guard,
      connectTimeoutMs: w.connectTimeout,
      timeoutMs: w.timeout,
    });
    this.policy = new RetryPolicy({ schedule: w.schedule });
    this.breaker = new CircuitBreaker({
      failureThreshold: w.circuitBreaker.failureThreshold,
      cooldownMs: w.circuitBreaker.cooldown,
    });
  }

  onModuleInit(): void {
    if (!this.connections.hasPostgres || !this.connections.hasRedis) return; // webhooks need both; unused otherwise
    this.registry.register({
      name: WEBHOOK_QUEUE,
      concurrency: this.config.webhooks.concurrency,
      attempts: this.policy.maxAttempts,
    });
    this.workers.handle(
      WEBHOOK_QUEUE,
      'deliver',
      webhookDeliveryHandler(this.store(), this.client, this.breaker),
    );
    // The endpoint cache follows a Redis counter; when Redis lost its data the counter restarts, so drop the cache.
    this.dataLoss = this.clusterService.redisDataLoss$.subscribe(() => this.storeInstance?.forgetCached());
    this.workers.backoff('webhook', (attemptsMade, _type, error) => {
      const retryAfter = error instanceof WebhookRetryError ? error.retryAfterMs : undefined;
      return this.policy.nextDelay(attemptsMade, retryAfter) ?? 0;
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.dataLoss?.unsubscribe();
    await this.client.close().catch(() => undefined);
  }

  /**
   * Registers an endpoint; its URL is checked against the SSRF guard now (and again on every connection).
   * @returns the endpoint, with its `whsec_` secret (generated unless given).
   * @throws UnsafeWebhookTargetError, InvalidWebhookSecretError
   */
  async createEndpoint(input: {
    url: string;
    secret?: string;
    eventTypes?: string[];
  }): Promise<WebhookEndpoint> {
    await this.guard.check(input.url);
    const secret = input.secret ?? generateWebhookSecret();
    assertValidWebhookSecret(secret);
    return this.store().createEndpoint(input.url, secret, input.eventTypes ?? []);
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
      const { queue } = this.registry.get(WEBHOOK_QUEUE);
      await queue.add(
        'deliver',
        data,
        withCorrelation({
          jobId: this.jobId(deliveryId),
          delay: this.policy.schedule[0],
          attempts: this.policy.maxAttempts,
          backoff: { type: 'webhook' },
        }),
      );
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

  private jobId(deliveryId: string): string {
    return deliveryId.replaceAll(':', '_');
  }

  private store(): WebhookStore {
    this.storeInstance ??= new WebhookStore(
      this.connections.postgres('WebhookService'),
      this.cluster.prefix,
      new RedisEndpointVersions(this.connections.redis('WebhookService'), this.cluster.prefix),
      webhookDeliveriesCounter(this.cluster.metricsRegistry),
    );
    return this.storeInstance;
  }
}
