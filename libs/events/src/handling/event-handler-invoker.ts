import { Logger } from '@nestjs/common';
import { isStoreUnavailableError, RequestContext } from '@shoal/cluster';
import { backoffDelay } from '@shoal/cluster/internal';
import type { EventEnvelope } from '../envelope/event-envelope.js';
import { REPLAY_FOR_HEADER } from '../events.constants.js';
import type { EventsMetrics } from '../events.metrics.js';
import type { DeadLetterStore } from '../dead-letters/dead-letter.js';
import { fromPayload, type EventDefinition } from '../integration-event.decorator.js';
import type { PostgresInbox } from '../idempotency/postgres-inbox.js';
import type { RedisIdempotency } from '../idempotency/redis-idempotency.js';
import type { EventContext } from './event-context.js';
import { DeliveryNotDoneError } from './not-done.error.js';

/** How a delivery that needs no retry ended. */
type Outcome = 'handled' | 'duplicate';

const handled = (): Outcome => 'handled';

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** Everything one handler's deliveries need. */
export interface HandlerSettings {
  readonly name: string;
  readonly definition: EventDefinition;
  readonly call: (event: object, context: EventContext) => unknown;
  readonly maxAttempts: number;
  readonly backoff: { readonly initialDelay: number; readonly maxDelay: number };
  readonly idempotency: 'none' | 'redis' | 'postgres';
  readonly idempotencyWindow: number;
}

/**
 * Runs one handler for one delivery: checks the payload, dedupes, retries with backoff, and dead-letters after the
 * last attempt (or at once when the payload is invalid: it can never succeed). Resolves when the delivery may be
 * acknowledged; rejects with `DeliveryNotDoneError` when it must be delivered again.
 */
export class EventHandlerInvoker {
  private readonly logger = new Logger('Shoal:Events');
  /** Label-bound metric children, resolved once (prom-client label lookups are not free per message). */
  private readonly count: Record<'handled' | 'duplicate' | 'retried' | 'dead_lettered', { inc(): void }>;
  private readonly latency: { observe(value: number): void };

  constructor(
    private readonly settings: HandlerSettings,
    private readonly deadLetters: DeadLetterStore,
    private readonly metrics: EventsMetrics,
    private readonly stopping: AbortSignal,
    private readonly redisIdempotency?: RedisIdempotency,
    private readonly inbox?: PostgresInbox,
  ) {
    const handler = settings.name;
    const child = (outcome: string) => metrics.handled.labels({ handler, outcome });
    this.count = {
      handled: child('handled'),
      duplicate: child('duplicate'),
      retried: child('retried'),
      dead_lettered: child('dead_lettered'),
    };
    this.latency = metrics.latency.labels({ handler });
  }

  /**
   * Delivers `envelope` to the handler. Returns `undefined` when the delivery is done synchronously (the handler
   * returned no promise and needs no idempotency record): no promise is made for it, which on the hot path of a
   * consumer is most of the per-event cost. Otherwise the promise settles as `TransportSubscription.deliver` says.
   */
  deliver(envelope: EventEnvelope): Promise<void> | undefined {
    const { name, definition } = this.settings;
    const replayFor = envelope.headers?.[REPLAY_FOR_HEADER];
    if (replayFor !== undefined && replayFor !== name) return undefined;
    if (envelope.type !== definition.type || envelope.version !== definition.version) {
      const got = `${envelope.type} v${envelope.version}`;
      return this.deadLetter(
        envelope,
        `${name} handles ${definition.type} v${definition.version}, got ${got}`,
        0,
      );
    }
    let event: object;
    try {
      event = fromPayload(definition, envelope.payload);
    } catch (error) {
      return this.deadLetter(envelope, error instanceof Error ? error.message : String(error), 0);
    }
    let outcome: Outcome | Promise<Outcome>;
    try {
      outcome = this.attempt(event, envelope, 1);
    } catch (error) {
      return this.retry(event, envelope, error);
    }
    if (typeof outcome === 'string') {
      this.settle(outcome, envelope);
      return undefined;
    }
    return outcome.then(
      (settled) => this.settle(settled, envelope),
      (error: unknown) => this.retry(event, envelope, error),
    );
  }

  /**
   * After the first attempt failed with `firstError`: retries with backoff until an attempt succeeds, dead-letters
   * after `maxAttempts` failures. Failures while Redis or Postgres is unreachable are not the event's fault: they are
   * retried without using up attempts, so an outage never dead-letters good events.
   */
  private async retry(event: object, envelope: EventEnvelope, firstError: unknown): Promise<void> {
    const { name } = this.settings;
    let error = firstError;
    for (let attempt = 1, failures = 0, outages = 0; ; attempt += 1) {
      if (error instanceof DeliveryNotDoneError) throw error;
      this.count.retried.inc();
      if (isStoreUnavailableError(error)) {
        outages += 1;
        this.logger.debug(`${name}: ${envelope.id} waits for the store to come back: ${String(error)}`);
        await this.pause(this.delay(outages));
      } else {
        failures += 1;
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        if (failures >= this.settings.maxAttempts) return this.deadLetter(envelope, message, attempt);
        this.logger.warn(
          `${name} failed on ${envelope.type} ${envelope.id} (attempt ${attempt}): ${String(error)}`,
        );
        await this.pause(this.delay(failures));
      }
      try {
        return this.settle(await this.attempt(event, envelope, attempt + 1), envelope);
      } catch (next) {
        error = next;
      }
    }
  }

  /** Counts a finished delivery; a handled one also records its publish → handled latency. */
  private settle(outcome: Outcome, envelope: EventEnvelope): void {
    this.count[outcome].inc();
    if (outcome !== 'handled') return;
    const sinceMs = Date.now() - Date.parse(envelope.occurredAt);
    if (Number.isFinite(sinceMs)) this.latency.observe(Math.max(0, sinceMs) / 1000);
  }

  /**
   * One attempt. Synchronous (an `Outcome`, or a throw) when the handler is and no idempotency record is kept;
   * otherwise a promise of it.
   */
  private attempt(event: object, envelope: EventEnvelope, attempt: number): Outcome | Promise<Outcome> {
    if (this.settings.idempotency === 'postgres' && this.inbox) {
      return this.attemptOnce(this.inbox, event, envelope, attempt);
    }
    if (this.settings.idempotency === 'redis' && this.redisIdempotency) {
      return this.attemptClaimed(this.redisIdempotency, event, envelope, attempt);
    }
    const result = this.call(event, { envelope, attempt });
    return isPromiseLike(result) ? Promise.resolve(result).then(handled) : 'handled';
  }

  /** Idempotent 'postgres': the handler runs in the inbox's transaction, which records the event id. */
  private async attemptOnce(
    inbox: PostgresInbox,
    event: object,
    envelope: EventEnvelope,
    attempt: number,
  ): Promise<Outcome> {
    const ran = await inbox.run(this.settings.name, envelope.id, async (manager) => {
      await this.call(event, { envelope, attempt, manager });
    });
    return ran ? 'handled' : 'duplicate';
  }

  /** Idempotent 'redis': claim the event id, run, then mark it done (or release the claim on failure). */
  private async attemptClaimed(
    idempotency: RedisIdempotency,
    event: object,
    envelope: EventEnvelope,
    attempt: number,
  ): Promise<Outcome> {
    const { name } = this.settings;
    const claim = await idempotency.claim(name, envelope.id, 5 * 60_000);
    if (claim === 'done') return 'duplicate';
    if (claim === 'busy')
      throw new DeliveryNotDoneError(`${envelope.id} is being handled by another delivery`);
    try {
      await this.call(event, { envelope, attempt });
    } catch (error) {
      await idempotency.release(name, envelope.id).catch(() => undefined);
      throw error;
    }
    await idempotency.complete(name, envelope.id, this.settings.idempotencyWindow);
    return 'handled';
  }

  /** Calls the handler in a context carrying the event's correlation id (what it publishes or enqueues carries it). */
  private call(event: object, context: EventContext): unknown {
    return RequestContext.run({ correlationId: context.envelope.correlationId, origin: 'event' }, () =>
      this.settings.call(event, context),
    );
  }

  private async deadLetter(envelope: EventEnvelope, error: string, attempts: number): Promise<void> {
    await this.deadLetters.add({
      handler: this.settings.name,
      envelope,
      error,
      attempts,
      failedAt: new Date().toISOString(),
    });
    this.metrics.deadLettered.inc({ handler: this.settings.name });
    this.count.dead_lettered.inc();
    this.logger.error(
      `${this.settings.name}: ${envelope.type} ${envelope.id} dead-lettered after ${attempts} attempt(s): ${error.split('\n')[0]}`,
    );
  }

  private delay(attempt: number): number {
    const { initialDelay, maxDelay } = this.settings.backoff;
    return backoffDelay(attempt, { initialMs: initialDelay, maxMs: maxDelay });
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.stopping.aborted) return reject(new DeliveryNotDoneError('shutting down'));
      const done = () => {
        clearTimeout(timer);
        this.stopping.removeEventListener('abort', stop);
      };
      const stop = () => {
        done();
        reject(new DeliveryNotDoneError('shutting down'));
      };
      const timer = setTimeout(() => {
        done();
        resolve();
      }, ms);
      this.stopping.addEventListener('abort', stop, { once: true });
    });
  }
}
