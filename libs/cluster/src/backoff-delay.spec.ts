import { describe, expect, it } from '@jest/globals';
import { backoffDelay } from './backoff-delay.js';

describe('backoffDelay', () => {
  const shape = { initialMs: 250, maxMs: 5000, jitter: 0 };

  it('starts at the initial delay and doubles per attempt up to the ceiling', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((attempt) => backoffDelay(attempt, shape))).toEqual([
      250, 500, 1000, 2000, 4000, 5000, 5000,
    ]);
  });

  it('treats an attempt below 1 as the first, and a huge one as the ceiling', () => {
    expect(backoffDelay(0, shape)).toBe(250);
    expect(backoffDelay(-3, shape)).toBe(250);
    expect(backoffDelay(10_000, shape)).toBe(5000);
  });

  it('keeps jittered delays within ± the jitter fraction', () => {
    const delays = Array.from({ length: 500 }, () => backoffDelay(3, { initialMs: 250, maxMs: 5000 }));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(800);
    expect(Math.max(...delays)).toBeLessThanOrEqual(1200);
    expect(new Set(delays).size).toBeGreaterThan(1);
  });
});
