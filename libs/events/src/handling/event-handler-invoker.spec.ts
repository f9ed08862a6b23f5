import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { RequestContext, type RedisClient } from '@shoal/cluster';
import { Registry } from 'prom-client';
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { MemoryDeadLetterStore } from '../dead-letters/memory-dead-letter.store.js';
import type { EventEnvelope } from '../envelope/event-envelope.js';
import { testEnvelope } from '../envelope/test-envelope.fixture-spec.js';
import { REPLAY_FOR_HEADER } from '../events.constants.js';
import { EventsMetrics } from '../events.metrics.js';
import type { PostgresInbox } from '../idempotency/postgres-inbox.js';
import { RedisIdempotency } from '../idempotency/redis-idempotency.js';
import { eventDefinitionOf, IntegrationEvent } from '../integration-event.decorator.js';
import type { EventContext } from './event-context.js';
import { EventHandlerInvoker, type HandlerSettings } from './event-handler-invoker.js';
import { DeliveryNotDoneError } from './not-done.error.js';

@IntegrationEvent('spec.invoker.order-placed', { schema: z.object({ orderId: z.string() }) })
class OrderPlaced {
  constructor(readonly orderId: string) {}
}

const TYPE = 'spec.invoker.order-placed';
const backoff = { initialDelay: 100, maxDelay: 350 };

/** The few Redis commands `RedisIdempotency` sends, on a map (expiry is not needed here). */
class FakeRedis {
  readonly values = new Map<string, string>();
  async set(key: string, value: string, ...args: unknown[]): Promise<'OK' | null> {
    if (args.includes('NX') && this.values.has(key)) return null;
    this.values.set(key, value);
    return 'OK';
  }
  async get(key: string): Promise<string | null> {
    return this.values.get(key) ?? null;
  }
  async del(key: string): Promise<number> {
    return this.values.delete(key) ? 1 : 0;
  }
}

/** Runs the work once per (handler, id), like the Postgres inbox; the manager is a marker object. */
class FakeInbox {
  readonly seen = new Set<string>();
  readonly manager = { marker: 'inbox transaction' } as unknown as EntityManager;
  async run(handler: string, id: string, work: (manager: EntityManager) => Promise<void>): Promise<boolean> {
    if (this.seen.has(`${handler}/${id}`)) return false;
    await work(this.manager);
    this.seen.add(`${handler}/${id}`);
    return true;
  }
}

describe('EventHandlerInvoker', () => {
  let deadLetters: MemoryDeadLetterStore;
  let metrics: EventsMetrics;
  let stopping: AbortController;
  let calls: { event: object; context: EventContext }[];
  /** What the handler does on each call, in order; after the last, it succeeds. */
  let behaviour: (() => void)[];

  const invoker = (
    settings: Partial<HandlerSettings> = {},
    extras: { redis?: RedisIdempotency; inbox?: FakeInbox } = {},
  ) =>
    new EventHandlerInvoker(
      {
        name: 'Billing.onOrderPlaced',
        definition: eventDefinitionOf(OrderPlaced),
        call: (event, context) => {
          calls.push({ event, context });
          behaviour.shift()?.();
        },
        maxAttempts: 3,
        backoff,
        idempotency: 'none',
        idempotencyWindow: 60_000,
        ...settings,
      },
      deadLetters,
      metrics,
      stopping.signal,
      extras.redis,
      extras.inbox as unknown as PostgresInbox | undefined,
    );
  const envelope = (payload: unknown = { orderId: 'o-1' }): EventEnvelope => testEnvelope(TYPE, payload);
  const failing =
    (message = 'boom') =>
    () => {
      throw new Error(message);
    };
  const unreachable = () => () => {
    throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
  };
  const outcomes = async () =>
    Object.fromEntries((await metrics.handled.get()).values.map((v) => [v.labels.outcome, v.value]));
  /** Settles `promise` while the fake clock runs through every backoff. */
  const settle = async <T>(promise: Promise<T> | undefined): Promise<T | undefined> => {
    const result = Promise.resolve(promise).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    await jest.runAllTimersAsync();
    const outcome = await result;
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  };

  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['queueMicrotask', 'nextTick'] });
    // Jitter at its midpoint: each backoff is exactly its nominal delay.
    jest.spyOn(Math, 'random').mockReturnValue(0.5);
    Logger.overrideLogger(false);
    deadLetters = new MemoryDeadLetterStore();
    metrics = new EventsMetrics(new Registry());
    stopping = new AbortController();
    calls = [];
    behaviour = [];
  });

  afterEach(() => {
    jest.restoreAllMocks();
    jest.useRealTimers();
    Logger.overrideLogger(['log', 'error', 'warn']);
  });

  it('calls the handler once with an instance of the event class and attempt 1, and counts it handled', async () => {
    const sent = envelope();
    await invoker().deliver(sent);
    expect(calls).toHaveLength(1);
    expect(calls[0].event).toBeInstanceOf(OrderPlaced);
    expect(calls[0].event).toEqual(new OrderPlaced('o-1'));
    expect(calls[0].context).toMatchObject({ envelope: sent, attempt: 1 });
    expect(await outcomes()).toEqual({ handled: 1 });
  });

  it('finishes a delivery whose handler returns no promise synchronously, in a context with the correlation id', async () => {
    const sent = envelope();
    let seen: string | undefined;
    const delivery = invoker({
      call: () => {
        seen = RequestContext.correlationId();
      },
    }).deliver(sent);
    expect(delivery).toBeUndefined();
    expect(seen).toBe(sent.correlationId);
    expect(await outcomes()).toEqual({ handled: 1 });
  });

  it("waits for a handler's promise before counting it handled, and retries when it rejects", async () => {
    let finish!: () => void;
    const delivery = invoker({
      call: (event, context) => {
        calls.push({ event, context });
        if (context.attempt === 1) return Promise.reject(new Error('async boom'));
        return new Promise<void>((resolve) => (finish = resolve));
      },
    }).deliver(envelope());
    expect(delivery).toBeInstanceOf(Promise);
    await jest.advanceTimersByTimeAsync(backoff.initialDelay);
    expect(calls.map((c) => c.context.attempt)).toEqual([1, 2]);
    expect(await outcomes()).toEqual({ retried: 1 });
    finish();
    await delivery;
    expect(await outcomes()).toEqual({ handled: 1, retried: 1 });
  });

  it('retries a failing handler after backoffs doubling from initialDelay, capped at maxDelay (100, 200, 350, 350 ms)', async () => {
    behaviour = [failing(), failing(), failing(), failing()];
    const done = invoker({ maxAttempts: 10 }).deliver(envelope());
    const attemptsAt: number[] = [];
    for (let ms = 0; ms <= 1500; ms += 1) {
      await jest.advanceTimersByTimeAsync(ms === 0 ? 0 : 1);
      while (attemptsAt.length < calls.length) attemptsAt.push(ms);
    }
    await done;
    expect(attemptsAt).toEqual([0, 100, 300, 650, 1000]);
    expect(calls.map((c) => c.context.attempt)).toEqual([1, 2, 3, 4, 5]);
    expect(await deadLetters.list()).toEqual([]);
    expect(await outcomes()).toEqual({ handled: 1, retried: 4 });
  });

  it('dead-letters after maxAttempts failures with the last error and the attempt count, and resolves so it is acknowledged', async () => {
    behaviour = [failing('first'), failing('second'), failing('third'), failing('never reached')];
    const sent = envelope();
    await settle(invoker({ maxAttempts: 3 }).deliver(sent));
    expect(calls).toHaveLength(3);
    const [letter] = await deadLetters.list();
    expect(letter).toMatchObject({ handler: 'Billing.onOrderPlaced', envelope: sent, attempts: 3 });
    expect(letter.error).toContain('third');
    expect(await outcomes()).toEqual({ retried: 3, dead_lettered: 1 });
  });

  it('dead-letters an invalid payload at once (attempts 0) without calling the handler', async () => {
    await invoker().deliver(envelope({ orderId: 42 }));
    expect(calls).toEqual([]);
    const [letter] = await deadLetters.list();
    expect(letter).toMatchObject({ attempts: 0 });
    expect(letter.error).toContain('orderId');
  });

  it('dead-letters an envelope of another type or version at once without calling the handler', async () => {
    await invoker().deliver({ ...envelope(), version: 2 });
    expect(calls).toEqual([]);
    expect((await deadLetters.list())[0].error).toBe(
      `Billing.onOrderPlaced handles ${TYPE} v1, got ${TYPE} v2`,
    );
  });

  it('skips a replay addressed to another handler: no call, no dead letter', async () => {
    const sent = envelope();
    await invoker().deliver({ ...sent, headers: { [REPLAY_FOR_HEADER]: 'Shipping.onOrderPlaced' } });
    expect(calls).toEqual([]);
    expect(await deadLetters.list()).toEqual([]);
    await invoker().deliver({ ...sent, headers: { [REPLAY_FOR_HEADER]: 'Billing.onOrderPlaced' } });
    expect(calls).toHaveLength(1);
  });

  it('retries while the store is unreachable without using up attempts, so an outage never dead-letters', async () => {
    behaviour = [unreachable(), unreachable(), unreachable(), unreachable(), failing()];
    await settle(invoker({ maxAttempts: 2 }).deliver(envelope()));
    expect(calls).toHaveLength(6);
    expect(await deadLetters.list()).toEqual([]);
    expect(await outcomes()).toMatchObject({ handled: 1 });
  });

  it('rejects with DeliveryNotDoneError when shutdown begins during a backoff, leaving the event unacknowledged', async () => {
    behaviour = [failing()];
    const done = Promise.resolve(invoker().deliver(envelope()));
    const outcome = done.catch((error: unknown) => error);
    await jest.advanceTimersByTimeAsync(0);
    stopping.abort();
    expect(await outcome).toBeInstanceOf(DeliveryNotDoneError);
    expect(calls).toHaveLength(1);
    expect(await deadLetters.list()).toEqual([]);
  });

  it('rejects with DeliveryNotDoneError instead of retrying when shutdown began before the failure', async () => {
    behaviour = [failing()];
    stopping.abort();
    await expect(settle(invoker().deliver(envelope()))).rejects.toBeInstanceOf(DeliveryNotDoneError);
    expect(calls).toHaveLength(1);
  });

  describe("with idempotency 'redis'", () => {
    let redis: FakeRedis;
    let idempotency: RedisIdempotency;
    const settings = { idempotency: 'redis' as const };

    beforeEach(() => {
      redis = new FakeRedis();
      idempotency = new RedisIdempotency(redis as unknown as RedisClient, 'spec');
    });

    it('runs the handler once for two deliveries of one event and counts the second as duplicate', async () => {
      const sent = envelope();
      await invoker(settings, { redis: idempotency }).deliver(sent);
      await invoker(settings, { redis: idempotency }).deliver(sent);
      expect(calls).toHaveLength(1);
      expect(await outcomes()).toEqual({ handled: 1, duplicate: 1 });
    });

    it('rejects a delivery while another delivery of the same event runs (redelivered later), without calling the handler', async () => {
      const sent = envelope();
      await idempotency.claim('Billing.onOrderPlaced', sent.id, 60_000);
      await expect(invoker(settings, { redis: idempotency }).deliver(sent)).rejects.toBeInstanceOf(
        DeliveryNotDoneError,
      );
      expect(calls).toEqual([]);
    });

    it('frees the claim after a failed attempt, so the retry runs the handler again', async () => {
      behaviour = [failing()];
      await settle(invoker(settings, { redis: idempotency }).deliver(envelope()));
      expect(calls.map((c) => c.context.attempt)).toEqual([1, 2]);
      expect([...redis.values.values()]).toEqual(['done']);
    });
  });

  describe("with idempotency 'postgres'", () => {
    it("runs the handler once per event, inside the inbox's transaction", async () => {
      const inbox = new FakeInbox();
      const sent = envelope();
      await invoker({ idempotency: 'postgres' }, { inbox }).deliver(sent);
      await invoker({ idempotency: 'postgres' }, { inbox }).deliver(sent);
      expect(calls).toHaveLength(1);
      expect(calls[0].context.manager).toBe(inbox.manager);
      expect(await outcomes()).toEqual({ handled: 1, duplicate: 1 });
    });
  });
});
