import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { LocalTurns } from './local-turns.js';

describe('LocalTurns', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('gives the turn at once when nobody has it, then to waiters in arrival order', async () => {
    const turns = new LocalTurns();
    const order: string[] = [];
    expect(await turns.take('k', performance.now() + 1000)).toBe(true);
    const b = turns.take('k', performance.now() + 1000).then((ok) => order.push(`b:${ok}`));
    const c = turns.take('k', performance.now() + 1000).then((ok) => order.push(`c:${ok}`));
    turns.pass('k');
    await b;
    turns.pass('k');
    await c;
    expect(order).toEqual(['b:true', 'c:true']);
  });

  it('a waiter whose deadline passes gives up and leaves the queue; keys are independent', async () => {
    const turns = new LocalTurns();
    await turns.take('k', performance.now() + 1000);
    const late = turns.take('k', performance.now() + 100);
    expect(await turns.take('other', performance.now() + 1)).toBe(true);
    await jest.advanceTimersByTimeAsync(100);
    expect(await late).toBe(false);
    turns.pass('k'); // nobody waits any more: the key is free again
    expect(await turns.take('k', performance.now())).toBe(true);
  });
});
