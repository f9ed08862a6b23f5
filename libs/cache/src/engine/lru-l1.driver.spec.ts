import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { LRUCache } from 'lru-cache';
import { L1_ASK_ENGINE, L1_MISS, L1Store, LruL1Driver, type L1Slot } from './lru-l1.driver.js';

const entry = (value: unknown, logicalExpiration?: number) =>
  JSON.stringify({ value, createdAt: Date.now(), ...(logicalExpiration ? { logicalExpiration } : {}) });

describe('LruL1Driver: L1 TTLs kept with the entries', () => {
  let lru: LRUCache<string, L1Slot>;
  let l1: LruL1Driver;

  // One fake clock for the file: the coarse clock's 1 ms timer must not be lost between tests.
  beforeAll(() => {
    jest.useFakeTimers({ now: 1_000_000 });
  });
  afterAll(() => {
    jest.useRealTimers();
  });

  beforeEach(() => {
    lru = new LRUCache<string, L1Slot>({ max: 10 });
    l1 = new LruL1Driver(new L1Store(lru));
  });

  it('serves an entry until its L1 TTL runs out, then drops it as if never held', () => {
    l1.set('k', entry('v'), 500);
    expect(l1.peek('k')).toBe('v');
    expect(l1.getRemainingTtl('k')).toBe(500);
    jest.advanceTimersByTime(499);
    expect(l1.peek('k')).toBe('v');
    expect(JSON.parse(l1.get('k') ?? '{}')).toMatchObject({ value: 'v' });
    jest.advanceTimersByTime(2);
    expect(l1.peek('k')).toBe(L1_MISS);
    expect(l1.get('k')).toBeUndefined();
    expect(l1.getRemainingTtl('k')).toBeUndefined();
    expect(lru.size).toBe(0);
  });

  it('keeps an entry without a TTL for good, and leaves a logically expired one (in grace) to BentoCache', () => {
    l1.set('forever', entry('f'));
    l1.set('graced', entry('g', Date.now() + 100), 10_000);
    jest.advanceTimersByTime(5_000);
    expect(l1.peek('forever')).toBe('f');
    expect(l1.getRemainingTtl('forever')).toBeUndefined();
    expect(l1.peek('graced')).toBe(L1_ASK_ENGINE);
    expect(l1.getRemainingTtl('graced')).toBe(5_000);
    jest.advanceTimersByTime(5_001);
    expect(l1.peek('graced')).toBe(L1_MISS);
  });

  it('answers hits of one entry with one settled promise, and a new one once the key is written again', async () => {
    l1.set('k', entry('v1'), 1_000);
    const first = l1.peekSettled('k');
    expect(first).toBeInstanceOf(Promise);
    expect(l1.peekSettled('k')).toBe(first);
    await expect(first).resolves.toBe('v1');
    l1.set('k', entry('v2'), 1_000);
    const second = l1.peekSettled('k');
    expect(second).not.toBe(first);
    await expect(second).resolves.toBe('v2');
    jest.advanceTimersByTime(1_001);
    expect(l1.peekSettled('k')).toBe(L1_MISS);
  });

  it('checks a tagged entry on every hit: once its tag is invalidated after it was made, BentoCache decides', () => {
    const made = Date.now();
    l1.set('tagged', JSON.stringify({ value: 't', createdAt: made, tags: ['flags'] }), 10_000);
    l1.set('___bc:t:flags', JSON.stringify({ value: made - 1, createdAt: made - 1 }), 10_000);
    expect(l1.peek('tagged')).toBe('t');
    jest.advanceTimersByTime(5);
    l1.set('___bc:t:flags', JSON.stringify({ value: Date.now(), createdAt: Date.now() }), 10_000);
    expect(l1.peek('tagged')).toBe(L1_ASK_ENGINE);
    expect(l1.peekSettled('tagged')).toBe(L1_ASK_ENGINE);
  });
});
