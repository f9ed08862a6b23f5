import { describe, expect, it } from '@jest/globals';

import {
  classifyResponse,
  DEFAULT_MAX_RETRY_AFTER_MS,
  DEFAULT_RETRY_SCHEDULE_MS,
  type DeliveryAttemptOutcome,
  type DeliveryClassification,
  parseRetryAfter,
  RetryPolicy,
} from './retry-policy.js';

describe('classifyResponse', () => {
  const table: [DeliveryAttemptOutcome, DeliveryClassification][] = [
    [200, 'success'],
    [201, 'success'],
    [204, 'success'],
    [299, 'success'],
    [410, 'disable'],
    [408, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [502, 'retry'],
    [503, 'retry'],
    [599, 'retry'],
    ['network-error', 'retry'],
    ['timeout', 'retry'],
    ['unsafe', 'final'],
    [301, 'final'],
    [302, 'final'],
    [307, 'final'],
    [308, 'final'],
    [400, 'final'],
    [401, 'final'],
    [403, 'final'],
    [404, 'final'],
    [413, 'final'],
    [422, 'final'],
    [100, 'final'],
    [600, 'final'],
    [Number.NaN, 'final'],
  ];

  it.each(table)('%p → %s', (outcome, expected) => {
    expect(classifyResponse(outcome)).toBe(expected);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2015-10-21T07:28:00Z');

  it('reads delta-seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter(['30', '60'], now)).toBe(30_000);
  });

  it('reads HTTP dates relative to now (Date or epoch ms), a past date meaning 0', () => {
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:30:00 GMT', now)).toBe(120_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:30:00 GMT', new Date(now))).toBe(120_000);
    expect(parseRetryAfter('Wednesday, 21-Oct-15 07:29:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:00:00 GMT', now)).toBe(0);
  });

  it('caps to 24 h by default, or to the given maximum', () => {
    expect(parseRetryAfter('999999999', now)).toBe(DEFAULT_MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter('Fri, 01 Jan 2100 00:00:00 GMT', now)).toBe(DEFAULT_MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter('3600', now, 60_000)).toBe(60_000);
  });

  it.each([undefined, null, '', '   ', 'soon', '-5', '1.5', '1e3', '0x10', 'Wed, 99 Foo 2015'])(
    'returns undefined for %p',
    (header) => {
      expect(parseRetryAfter(header, now)).toBeUndefined();
    },
  );
});

describe('RetryPolicy', () => {
  it('follows the Svix-like default schedule: 8 attempts, the first immediate', () => {
    const policy = new RetryPolicy({ random: () => 0.5 }); // 0.5 → no jitter
    expect(policy.maxAttempts).toBe(8);
    expect(policy.schedule).toEqual([
      0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
    ]);
    expect(Array.from({ length: 9 }, (_, made) => policy.nextDelay(made))).toEqual([
      ...DEFAULT_RETRY_SCHEDULE_MS,
      undefined,
    ]);
    expect(policy.nextDelay(50)).toBeUndefined();
  });

  it('applies ±20 % jitter to non-zero delays only', () => {
    const low = new RetryPolicy({ random: () => 0 });
    const high = new RetryPolicy({ random: () => 0.999_999 });
    expect(low.nextDelay(0)).toBe(0);
    expect(high.nextDelay(0)).toBe(0);
    expect(low.nextDelay(1)).toBe(4_000);
    expect(high.nextDelay(1)).toBe(6_000);
    expect(low.nextDelay(2)).toBe(240_000);
    expect(high.nextDelay(7)).toBeGreaterThan(43_199_000); // just under 36e6 × 1.2
    expect(high.nextDelay(7)).toBeLessThanOrEqual(43_200_000);
  });

  it('keeps real random delays within the jitter band', () => {
    const policy = new RetryPolicy();
    for (let i = 0; i < 1_000; i += 1) {
      const delay = policy.nextDelay(3) ?? Number.NaN;
      expect(delay).toBeGreaterThanOrEqual(1_440_000);
      expect(delay).toBeLessThanOrEqual(2_160_000);
    }
  });

  it('lets Retry-After lengthen the wait but never shorten it, and caps it', () => {
    const policy = new RetryPolicy({ random: () => 0.5, maxRetryAfterMs: 3_600_000 });
    expect(policy.nextDelay(1, 60_000)).toBe(60_000);
    expect(policy.nextDelay(1, 1_000)).toBe(5_000);
    expect(policy.nextDelay(0, 10_000)).toBe(10_000);
    expect(policy.nextDelay(2, 86_400_000)).toBe(3_600_000);
    expect(policy.nextDelay(1, Number.NaN)).toBe(5_000);
    expect(policy.nextDelay(1, -5)).toBe(5_000);
    expect(policy.nextDelay(8, 60_000)).toBeUndefined();
  });

  it('accepts a custom schedule and jitter', () => {
    const policy = new RetryPolicy({ schedule: [0, 100, 200], jitter: 0, random: () => 0 });
    expect(policy.maxAttempts).toBe(3);
    expect([0, 1, 2, 3].map((made) => policy.nextDelay(made))).toEqual([0, 100, 200, undefined]);
  });

  it('rejects invalid configuration and arguments', () => {
    expect(() => new RetryPolicy({ schedule: [] })).toThrow(RangeError);
    expect(() => new RetryPolicy({ schedule: [0, -1] })).toThrow(RangeError);
    expect(() => new RetryPolicy({ schedule: [0, Number.POSITIVE_INFINITY] })).toThrow(RangeError);
    expect(() => new RetryPolicy({ jitter: 1 })).toThrow(RangeError);
    expect(() => new RetryPolicy({ jitter: -0.1 })).toThrow(RangeError);
    expect(() => new RetryPolicy().nextDelay(-1)).toThrow(RangeError);
    expect(() => new RetryPolicy().nextDelay(1.5)).toThrow(RangeError);
  });

  it('copies the schedule it was given', () => {
    const schedule = [0, 1_000];
    const policy = new RetryPolicy({ schedule, jitter: 0 });
    schedule[1] = 9_999;
    expect(policy.nextDelay(1)).toBe(1_000);
  });
});
