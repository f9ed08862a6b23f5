import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { eventually } from '@shoal/testing';
import { Redis } from 'ioredis';
import type { EventEnvelope } from '../envelope/event-envelope.js';
import { testEnvelope } from '../envelope/test-envelope.fixture-spec.js';
import { StreamGroupConsumer } from './stream-group-consumer.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `t_${Math.random().toString(36).slice(2, 10)}`;

const envelope = (n: number): EventEnvelope => testEnvelope('test.heal', { n });

describe('a consumer group that Redis lost', () => {
  let redis: Redis;
  let consumer: StreamGroupConsumer | undefined;
  let stream: string;
  const seen: number[] = [];

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });

  afterEach(async () => {
    await consumer?.stop(1000);
    await redis.del(stream);
    seen.length = 0;
  });

  afterAll(async () => {
    await redis.quit();
  });

  async function consume(name: string, startFrom?: 'earliest' | 'latest', on = name): Promise<void> {
    stream = `${prefix}:events:{${on}}`;
    consumer = new StreamGroupConsumer(
      redis,
      stream,
      'node-a',
      {
        name,
        type: 'test.heal',
        scope: 'group',
        concurrency: 4,
        startFrom,
        deliver: async (e) => void seen.push((e.payload as { n: number }).n),
      },
      { blockMs: 200, claimIdleTime: 60_000 },
    );
    await consumer.start();
  }

  const publish = async (...ns: number[]) => {
    for (const n of ns) await redis.xadd(stream, '*', 'e', JSON.stringify(envelope(n)));
  };

  it('is re-created when the stream is deleted (restart, FLUSHALL) and handles everything published since', async () => {
    await consume('deleted-stream');
    await publish(1, 2, 3);
    await eventually(() => seen.length === 3, { what: 'the first three' });
    await redis.del(stream);
    await publish(4, 5, 6);
    await eventually(() => seen.length === 6, { what: 'the three published after the loss' });
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await redis.xinfo('GROUPS', stream)).toHaveLength(1);
  });

  it('is re-created from the start of the stream when only the group is gone: nothing published is skipped', async () => {
    await consume('destroyed-group');
    await publish(1, 2);
    await eventually(() => seen.length === 2, { what: 'the first two' });
    await redis.xgroup('DESTROY', stream, 'destroyed-group');
    await publish(3);
    // Redelivered from the start: at least once, never skipped.
    await eventually(() => [1, 2, 3].every((n) => seen.includes(n)) && seen.length === 5, {
      what: 'the stream read again from its start',
    });
    expect(seen.sort()).toEqual([1, 1, 2, 2, 3]);
  });

  it('heal() on a group that exists changes nothing', async () => {
    await consume('intact');
    await publish(1);
    await eventually(() => seen.length === 1, { what: 'the first' });
    await consumer!.heal();
    await publish(2);
    await eventually(() => seen.length === 2, { what: 'the second' });
    expect(seen).toEqual([1, 2]);
  });

  it('a new group on a stream other groups read warns with what it will replay; startFrom latest skips the past', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      stream = `${prefix}:events:{renamed}`;
      await redis.xgroup('CREATE', stream, 'Billing.onOrder', '0', 'MKSTREAM');
      await publish(1, 2, 3);
      await consume('Billing.onOrderPlaced', 'latest', 'renamed');
      expect(warn.mock.calls.map((c) => String(c[0]))).toContainEqual(
        expect.stringMatching(
          /new consumer group "Billing\.onOrderPlaced" on .*, which groups Billing\.onOrder already read: it starts at the end/,
        ),
      );
      await publish(4);
      await eventually(() => seen.length === 1, { what: 'the event published after it started' });
      expect(seen).toEqual([4]);
      await consumer!.stop(1000);

      warn.mockClear();
      seen.length = 0;
      await consume('Audit.onOrder', 'earliest', 'renamed');
      expect(warn.mock.calls.map((c) => String(c[0]))).toContainEqual(
        expect.stringMatching(/"Audit\.onOrder".*will handle up to 4 event\(s\).*\{ group \}/),
      );
      await eventually(() => seen.length === 4, { what: 'the whole stream replayed' });
    } finally {
      warn.mockRestore();
    }
  });

  it('a new group on an empty stream others read (handlers of one type at first start) does not warn', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      stream = `${prefix}:events:{first-start}`;
      await redis.xgroup('CREATE', stream, 'Receipts.send', '$', 'MKSTREAM');
      await consume('Revenue.book', 'earliest', 'first-start');
      expect(warn.mock.calls.map((c) => String(c[0]))).not.toContainEqual(
        expect.stringMatching(/new consumer group/),
      );
      await publish(1);
      await eventually(() => seen.length === 1, { what: 'the first event' });
    } finally {
      warn.mockRestore();
    }
  });
});
