import { Logger } from '@nestjs/common';
import { UnrecoverableError } from '@shoal/jobs';
import type { JobHandler } from '@shoal/jobs/internal';
import type { CircuitBreaker } from './circuit-breaker.js';
import { classifyResponse, parseRetryAfter } from './retry-policy.js';
import type { WebhookHttpClients } from './webhook-http-clients.js';
import { WebhookRetryError } from './webhook-retry.error.js';
import { signWebhook } from '../signing/webhook-signer.js';
import type { WebhookStore } from '../endpoints/webhook-store.js';

/** The data of one delivery job. */
export interface WebhookDeliveryJob {
  readonly deliveryId: string;
  readonly endpointId: string;
  readonly webhookId: string;
  readonly eventType: string;
  /** The exact JSON body. */
  readonly body: string;
}

/**
 * Runs one delivery attempt: checks the endpoint and its circuit, signs (Standard Webhooks), posts through the SSRF
 * guard, records the attempt, and maps the outcome to the job's fate: success completes; 410 disables the endpoint
 * and completes; 408/429/5xx/network errors/timeouts retry on the schedule (honouring `Retry-After`); other 4xx,
 * 3xx and refused targets are final (dead-lettered).
 */
export function webhookDeliveryHandler(
  store: WebhookStore,
  clients: WebhookHttpClients,
  breaker: CircuitBreaker,
): JobHandler {
  const logger = new Logger('Shoal:Webhooks');
  return async (delivery, context) => {
    const job = delivery.data as WebhookDeliveryJob;
    const endpoint = await store.endpoint(job.endpointId);
    const base = {
      deliveryId: job.deliveryId,
      endpointId: job.endpointId,
      webhookId: job.webhookId,
      eventType: job.eventType,
      attempt: context.attempt,
    };
    if (!endpoint || endpoint.disabledAt) {
      await store.recordAttempt({
        ...base,
        status: null,
        outcome: 'skipped',
        durationMs: 0,
        error: 'endpoint missing or disabled',
      });
      return;
    }
    const permit = breaker.canAttempt(endpoint.id);
    if (permit !== true) {
      await store.recordAttempt({
        ...base,
        status: null,
        outcome: 'circuit-open',
        durationMs: 0,
        error: null,
      });
      return context.postpone(permit.retryInMs);
    }
    const headers = signWebhook({
      id: job.webhookId,
      timestamp: new Date(),
      body: job.body,
      secrets: endpoint.secrets,
    });
    const result = await clients.for(endpoint.targetPolicy).post(endpoint.url, job.body, headers);
    const status = result.outcome === 'response' ? result.status : null;
    const verdict = classifyResponse(result.outcome === 'response' ? result.status : result.outcome);
    const error =
      result.outcome === 'response'
        ? verdict === 'success'
          ? null
          : `HTTP ${result.status}: ${result.body.slice(0, 500)}`
        : result.error;
    await store.recordAttempt({ ...base, status, outcome: verdict, durationMs: result.durationMs, error });
    if (verdict === 'success') {
      breaker.recordSuccess(endpoint.id);
      return;
    }
    if (verdict === 'disable') {
      breaker.recordSuccess(endpoint.id);
      await store.disable(endpoint.id, `the endpoint answered 410 Gone (delivery ${job.deliveryId})`);
      logger.warn(`endpoint ${endpoint.id} disabled: 410 Gone`);
      return;
    }
    if (verdict === 'final') {
      if (result.outcome === 'response') breaker.recordSuccess(endpoint.id); // it answered: it is alive
      throw new UnrecoverableError(error ?? 'final failure');
    }
    breaker.recordFailure(endpoint.id);
    const retryAfter =
      result.outcome === 'response' ? parseRetryAfter(result.headers['retry-after'], Date.now()) : undefined;
    // The status only (the body is in the recorded attempt): a receiver's text must never read as an outage of
    // Shoal's own store, which would retry without spending attempts or honouring `Retry-After`.
    throw new WebhookRetryError(
      result.outcome === 'response' ? `HTTP ${result.status}` : (error ?? 'retry'),
      retryAfter,
    );
  };
}
