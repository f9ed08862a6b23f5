import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { PresenceStore } from './presence-store.js';

/** A store under contract test, on a namespace of its own. */
export interface PresenceStoreFixture {
  readonly store: PresenceStore;
  /** Removes the namespace and closes what the fixture opened. */
  dispose(): Promise<void>;
}

/** The contract every `PresenceStore` keeps. Run against each implementation, so all behave alike. */
export function presenceStoreContract(name: string, makeFixture: () => Promise<PresenceStoreFixture>): void {
  describe(`PresenceStore contract: ${name}`, () => {
    let fixture: PresenceStoreFixture;
    let store: PresenceStore;

    beforeAll(async () => {
      fixture = await makeFixture();
      store = fixture.store;
      await store.init();
      await store.init(); // idempotent
    });

    afterAll(async () => {
      await fixture?.dispose();
    });

    it('counts several sockets of a user on several nodes as one user', async () => {
      await store.register('a', new Map());
      await store.register('b', new Map());
      expect(await store.connect('a', 'ada')).toBe(true);
      expect(await store.connect('a', 'ada')).toBe(true);
      expect(await store.connect('b', 'ada')).toBe(true);
      expect(await store.connect('b', 'bob')).toBe(true);
      expect(await store.user('ada')).toEqual([
        { nodeId: 'a', sockets: 2 },
        { nodeId: 'b', sockets: 1 },
      ]);
      expect(await store.totals()).toEqual({ users: 2, sockets: 4 });
      expect((await store.nodes()).map((n) => n.nodeId).sort()).toEqual(['a', 'b']);
    });

    it('removes a socket, and the user once the last one is gone; never below zero', async () => {
      expect(await store.disconnect('a', 'ada')).toBe(true);
      expect(await store.user('ada')).toEqual([
        { nodeId: 'a', sockets: 1 },
        { nodeId: 'b', sockets: 1 },
      ]);
      await store.disconnect('a', 'ada');
      await store.disconnect('b', 'ada');
      expect(await store.disconnect('b', 'ada')).toBe(true); // already gone: no change
      expect(await store.user('ada')).toEqual([]);
      expect(await store.totals()).toEqual({ users: 1, sockets: 1 });
    });

    it("drops a removed node's entries at once and refuses its later writes", async () => {
      await store.connect('a', 'cy');
      await store.connect('b', 'cy');
      await store.remove('b');
      await store.remove('b'); // idempotent: every survivor may run it
      expect(await store.user('bob')).toEqual([]);
      expect(await store.user('cy')).toEqual([{ nodeId: 'a', sockets: 1 }]);
      expect(await store.totals()).toEqual({ users: 1, sockets: 1 });
      expect(await store.connect('b', 'dan')).toBe(false);
      expect(await store.disconnect('b', 'cy')).toBe(false);
      expect(await store.user('dan')).toEqual([]);
      expect((await store.nodes()).map((n) => n.nodeId)).toEqual(['a']);
    });

    it('register replaces what a node had with its full local state', async () => {
      await store.register(
        'b',
        new Map([
          ['cy', 2],
          ['eve', 1],
        ]),
      );
      await store.register('a', new Map([['eve', 3]]));
      expect(await store.user('cy')).toEqual([{ nodeId: 'b', sockets: 2 }]);
      expect(await store.user('eve')).toEqual([
        { nodeId: 'a', sockets: 3 },
        { nodeId: 'b', sockets: 1 },
      ]);
      expect(await store.totals()).toEqual({ users: 2, sockets: 6 });
      const nodes = await store.nodes();
      expect(nodes.every((n) => n.registeredAgo >= 0 && n.registeredAgo < 60_000)).toBe(true);
      await store.remove('a');
      await store.remove('b');
      expect(await store.totals()).toEqual({ users: 0, sockets: 0 });
    });
  });
}
