import { describe, expect, it } from '@jest/globals';
import { TickBatcher } from './tick-batcher.js';

describe('TickBatcher', () => {
  it('runs the items added in one tick as one batch, in order', async () => {
    const batches: number[][] = [];
    const batcher = new TickBatcher<number>(async (batch) => void batches.push([...batch]));
    await Promise.all([1, 2, 3].map((n) => batcher.add(n)));
    await batcher.add(4);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it("resolves each call with its own item's value", async () => {
    const batcher = new TickBatcher<number, string>(async (batch) => batch.map((n) => ({ value: `#${n}` })));
    expect(await Promise.all([1, 2].map((n) => batcher.add(n)))).toEqual(['#1', '#2']);
  });

  it('splits a tick into batches of at most maxBatch', async () => {
    const batches: number[][] = [];
    const batcher = new TickBatcher<number>(async (batch) => void batches.push([...batch]), { maxBatch: 2 });
    await Promise.all([1, 2, 3, 4, 5].map((n) => batcher.add(n)));
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('fails only the call whose item failed', async () => {
    const batcher = new TickBatcher<number>(async (batch) =>
      batch.map((n) => (n === 2 ? { error: new Error('two') } : undefined)),
    );
    const outcomes = await Promise.allSettled([1, 2, 3].map((n) => batcher.add(n)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toEqual(new Error('two'));
  });

  it('fails every call of a batch that failed as a whole, and only those', async () => {
    let runs = 0;
    const batcher = new TickBatcher<number>(async () => {
      if (++runs === 1) throw new Error('down');
    });
    const first = await Promise.allSettled([batcher.add(1), batcher.add(2)]);
    expect(first.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    await expect(batcher.add(3)).resolves.toBeUndefined();
  });

  it('serial: what is added while a batch runs goes, all of it, into the next one', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const first = new Promise<void>((resolve) => (release = resolve));
    const batcher = new TickBatcher<number>(
      async (batch) => {
        batches.push([...batch]);
        if (batches.length === 1) await first;
      },
      { serial: true },
    );
    const one = batcher.add(1);
    await new Promise((resolve) => setImmediate(resolve)); // batch [1] is running
    const later = [batcher.add(2), batcher.add(3)];
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([[1]]); // 2 and 3 wait for it
    const more = batcher.add(4);
    release();
    await Promise.all([one, ...later, more]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it("flush 'immediate' gathers what separate callbacks of one turn add; 'microtask' goes once the adder yields", async () => {
    const collect = (flush: 'immediate' | 'microtask') => {
      const batches: number[][] = [];
      const batcher = new TickBatcher<number>(async (batch) => void batches.push([...batch]), { flush });
      return { batches, add: (n: number) => batcher.add(n) };
    };
    const addFromTwoCallbacks = async (target: ReturnType<typeof collect>) => {
      const added: Promise<void>[] = [];
      // Two immediates queued back to back run in the same check phase of one turn; an immediate queued by either
      // (the 'immediate' flush) runs in the next turn. (Two zero-delay timers are not sure to share a turn: each reads
      // the clock, and a millisecond can pass between them.)
      await new Promise<void>((done) => {
        setImmediate(() => added.push(target.add(1)));
        setImmediate(() => {
          added.push(target.add(2));
          done();
        });
      });
      await Promise.all(added);
      return target.batches;
    };
    expect(await addFromTwoCallbacks(collect('immediate'))).toEqual([[1, 2]]);
    expect(await addFromTwoCallbacks(collect('microtask'))).toEqual([[1], [2]]);
  });
});
