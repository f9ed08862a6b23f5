import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { LeaseStore } from './lease-store.js';
import { eventually } from '@shoal/testing';

/** A lease store under contract test: every `create()` is one more node's store on the same namespace. */
export interface LeaseStoreFixture {
  create(): Promise<LeaseStore>;
  dispose(): Promise<void>;
  /** Lets `ms` pass on the store's clock: a fake clock for memory stores, real time for Redis and Postgres. */
  elapse(ms: number): Promise<void>;
}

let counter = 0;
const leaseName = () => `lease-${Date.now().toString(36)}-${(counter += 1)}`;

/** The contract every `LeaseStore` keeps; run against each implementation. */
export function leaseStoreContract(name: string, makeFixture: () => Promise<LeaseStoreFixture>): void {
  describe(`LeaseStore contract: ${name}`, () => {
    let fixture: LeaseStoreFixture;
    let a: LeaseStore;
    let b: LeaseStore;
    const releasedSeenByB: string[] = [];

    beforeAll(async () => {
      fixture = await makeFixture();
      a = await fixture.create();
      b = await fixture.create();
      await a.init(() => undefined);
      await b.init((lease) => releasedSeenByB.push(lease));
    });

    afterAll(async () => {
      await a.close();
      await b.close();
      await fixture.dispose();
    });

    it('grants a free lease to one caller only, and reports the holder to the others', async () => {
      const lease = leaseName();
      const [ra, rb] = await Promise.all([
        a.acquire(lease, 'node-a', 2000),
        b.acquire(lease, 'node-b', 2000),
      ]);
      const winners = [ra, rb].filter((r) => r.acquired);
      expect(winners).toHaveLength(1);
      const loser = [ra, rb].find((r) => !r.acquired);
      const winnerToken = winners[0].acquired ? winners[0].token : -1;
      expect(loser?.acquired === false && loser.holder).toMatchObject({ token: winnerToken });
      const holder = await a.holder(lease);
      expect(holder?.owner).toBe(ra.acquired ? 'node-a' : 'node-b');
      expect(holder?.remainingMs).toBeGreaterThan(1000);
      expect(holder?.remainingMs).toBeLessThanOrEqual(2000);
    });

    it('issues strictly increasing tokens across terms', async () => {
      const lease = leaseName();
      const tokens: number[] = [];
      for (let i = 0; i < 5; i += 1) {
        const store = i % 2 === 0 ? a : b;
        const result = await store.acquire(lease, `node-${i}`, 2000);
        if (!result.acquired) throw new Error('expected to acquire a free lease');
        tokens.push(result.token);
        expect(await store.release(lease, `node-${i}`, result.token)).toBe(true);
      }
      for (let i = 1; i < tokens.length; i += 1) expect(tokens[i]).toBeGreaterThan(tokens[i - 1]);
    });

    it('renews only for the current owner and token', async () => {
      const lease = leaseName();
      // Margins of 400 ms either side: a busy machine's stall on a real store must not decide the outcome.
      const result = await a.acquire(lease, 'node-a', 1000);
      if (!result.acquired) throw new Error('expected to acquire');
      expect(await b.renew(lease, 'node-b', result.token, 1000)).toBe(false);
      expect(await a.renew(lease, 'node-a', result.token + 1, 1000)).toBe(false);
      await fixture.elapse(600);
      expect(await a.renew(lease, 'node-a', result.token, 1000)).toBe(true);
      await fixture.elapse(600); // 1200 ms after acquisition: alive only thanks to the renewal
      expect((await b.holder(lease))?.owner).toBe('node-a');
    });

    it('renews many leases in one call, each only for the current owner and token', async () => {
      const [x, y, z] = [leaseName(), leaseName(), leaseName()];
      const rx = await a.acquire(x, 'node-a', 1000);
      const ry = await a.acquire(y, 'node-a', 1000);
      const rz = await b.acquire(z, 'node-b', 1000);
      if (!rx.acquired || !ry.acquired || !rz.acquired) throw new Error('expected to acquire');
      expect(await a.renewMany([], 'node-a', 1000)).toEqual([]);
      await fixture.elapse(600);
      const renewed = await a.renewMany(
        [
          { lease: x, token: rx.token },
          { lease: y, token: ry.token + 1 },
          { lease: z, token: rz.token },
        ],
        'node-a',
        1000,
      );
      expect(renewed).toEqual([true, false, false]);
      await fixture.elapse(600); // 1200 ms after acquisition: only x was renewed
      expect((await b.holder(x))?.owner).toBe('node-a');
      expect(await b.holder(y)).toBeNull();
      expect(await b.holder(z)).toBeNull();
    });

    it('expires on the store clock, then lets another node in with a higher token', async () => {
      const lease = leaseName();
      const first = await a.acquire(lease, 'node-a', 1000);
      if (!first.acquired) throw new Error('expected to acquire');
      expect((await b.acquire(lease, 'node-b', 1000)).acquired).toBe(false);
      await fixture.elapse(1100);
      expect(await b.holder(lease)).toBeNull();
      expect(await a.renew(lease, 'node-a', first.token, 1000)).toBe(false);
      const second = await b.acquire(lease, 'node-b', 2000);
      expect(second.acquired && second.token > first.token).toBe(true);
      expect(await a.release(lease, 'node-a', first.token)).toBe(false);
      expect((await a.holder(lease))?.owner).toBe('node-b');
    });

    it('release frees the lease at once and wakes the other nodes', async () => {
      const lease = leaseName();
      const result = await a.acquire(lease, 'node-a', 5000);
      if (!result.acquired) throw new Error('expected to acquire');
      expect(await b.release(lease, 'node-b', result.token)).toBe(false);
      expect(await a.release(lease, 'node-a', result.token)).toBe(true);
      expect(await a.holder(lease)).toBeNull();
      await eventually(() => releasedSeenByB.includes(lease), { what: 'the release seen by the other node' });
      expect((await b.acquire(lease, 'node-b', 5000)).acquired).toBe(true);
    });

    it('keeps leases apart by name', async () => {
      const [x, y] = [leaseName(), leaseName()];
      expect((await a.acquire(x, 'node-a', 2000)).acquired).toBe(true);
      expect((await b.acquire(y, 'node-b', 2000)).acquired).toBe(true);
    });
  });
}
