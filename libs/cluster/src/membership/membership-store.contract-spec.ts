import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createNodeInfo, type NodeInfo } from '../node-identity.js';
import type { MembershipNotice, MembershipStore } from './membership-store.js';
import { eventually } from '@shoal/testing';

/** A store implementation under contract test: every `create()` is one more node's store on the same namespace. */
export interface MembershipStoreFixture {
  create(): Promise<MembershipStore>;
  /** Removes the namespace and closes what the fixture opened. */
  dispose(): Promise<void>;
  /** Lets `ms` pass on the store's clock: a fake clock for memory stores, real time for Redis and Postgres. */
  elapse(ms: number): Promise<void>;
}

// Large enough that a stall of several hundred ms between two beats on a real store does not remove a beating member.
const FAILURE_TIMEOUT = 1500;

/**
 * The contract every `MembershipStore` keeps. Run against each implementation, so all three behave alike.
 */
export function membershipStoreContract(
  name: string,
  makeFixture: () => Promise<MembershipStoreFixture>,
): void {
  describe(`MembershipStore contract: ${name}`, () => {
    let fixture: MembershipStoreFixture;
    const stores: MembershipStore[] = [];
    const notices: MembershipNotice[][] = [];

    async function open(): Promise<MembershipStore> {
      const store = await fixture.create();
      const seen: MembershipNotice[] = [];
      await store.init((notice) => seen.push(notice));
      stores.push(store);
      notices.push(seen);
      return store;
    }

    const node = (id: string): NodeInfo =>
      createNodeInfo({ nodeId: `${id}-${Math.random().toString(36).slice(2, 8)}` });

    beforeAll(async () => {
      fixture = await makeFixture();
    });

    afterAll(async () => {
      for (const store of stores) await store.close();
      await fixture.dispose();
    });

    it('registers on the first beat only, and lists the member on the store clock', async () => {
      const store = await open();
      const a = node('a');
      const first = await store.beat(a, FAILURE_TIMEOUT);
      expect(first.created).toBe(true);
      expect(first.members?.map((m) => m.id)).toContain(a.id);
      const record = first.members?.find((m) => m.id === a.id);
      expect(record).toMatchObject({ incarnation: a.incarnation, version: a.version, pid: a.pid });
      expect(Math.abs((record?.lastSeen ?? 0) - Date.now())).toBeLessThan(5000);
      expect((await store.beat(a, FAILURE_TIMEOUT)).created).toBe(false);
      await store.leave(a);
    });

    it('lets every node see every other node, sorted by id, and pushes joins', async () => {
      const [s1, s2] = [await open(), await open()];
      const listenerIndex = notices.length - 1;
      const [a, b] = [node('m'), node('n')];
      await s1.beat(a, FAILURE_TIMEOUT);
      const result = await s2.beat(b, FAILURE_TIMEOUT);
      const ids = result.members?.map((m) => m.id) ?? [];
      expect(ids).toEqual(expect.arrayContaining([a.id, b.id]));
      expect(ids).toEqual([...ids].sort());
      expect((await s1.list(FAILURE_TIMEOUT)).members.map((m) => m.id)).toEqual(ids);
      await eventually(() => notices[listenerIndex].some((n) => n.type === 'joined' && n.id === a.id));
      await s1.leave(a);
      await s2.leave(b);
    });

    it('announces a change with the versions it moved between, and a join with the member as recorded', async () => {
      const store = await open();
      const seen = notices[notices.length - 1];
      const a = node('v');
      const before = (await store.list(FAILURE_TIMEOUT)).version;
      const joined = await store.beat(a, FAILURE_TIMEOUT);
      const join = await eventually(() => seen.find((n) => n.type === 'joined' && n.id === a.id));
      expect(join).toMatchObject({
        from: before,
        to: joined.version,
        member: { id: a.id, incarnation: a.incarnation, pid: a.pid, host: a.host },
      });
      expect(Math.abs((join.member?.lastSeen ?? 0) - Date.now())).toBeLessThan(5000);
      await store.leave(a);
      const after = (await store.list(FAILURE_TIMEOUT)).version;
      const left = await eventually(() => seen.find((n) => n.type === 'left' && n.id === a.id));
      expect(left).toMatchObject({ from: joined.version, to: after });
    });

    it('returns the members on a heartbeat only when the version changed: on a join, an info change or a leave', async () => {
      const [s1, s2] = [await open(), await open()];
      const [a, b] = [node('v1'), node('v2')];
      const joined = await s1.beat(a, FAILURE_TIMEOUT);
      const steady = await s1.beat(a, FAILURE_TIMEOUT, joined.version);
      expect(steady).toEqual({ created: false, removed: [], version: joined.version, members: undefined });
      expect((await s1.list(FAILURE_TIMEOUT)).version).toBe(joined.version);

      await s2.beat(b, FAILURE_TIMEOUT);
      const afterJoin = await s1.beat(a, FAILURE_TIMEOUT, joined.version);
      expect(afterJoin.version).not.toBe(joined.version);
      expect(afterJoin.members?.map((m) => m.id)).toEqual(expect.arrayContaining([a.id, b.id]));
      // b's own heartbeats do not change the version.
      await s2.beat(b, FAILURE_TIMEOUT);
      expect((await s1.beat(a, FAILURE_TIMEOUT, afterJoin.version)).members).toBeUndefined();

      const rezoned: NodeInfo = { ...b, metadata: { zone: 'z2' } };
      await s2.beat(rezoned, FAILURE_TIMEOUT);
      const afterInfo = await s1.beat(a, FAILURE_TIMEOUT, afterJoin.version);
      expect(afterInfo.members?.find((m) => m.id === b.id)?.metadata).toEqual({ zone: 'z2' });

      await s2.leave(rezoned);
      const afterLeave = await s1.beat(a, FAILURE_TIMEOUT, afterInfo.version);
      expect(afterLeave.version).not.toBe(afterInfo.version);
      expect(afterLeave.members?.map((m) => m.id)).not.toContain(b.id);
      await s1.leave(a);
    });

    it('treats a restart with the same id as a new registration', async () => {
      const store = await open();
      const first = node('r');
      await store.beat(first, FAILURE_TIMEOUT);
      const second: NodeInfo = { ...createNodeInfo({ nodeId: first.id }) };
      expect((await store.beat(second, FAILURE_TIMEOUT)).created).toBe(true);
      const listed = (await store.list(FAILURE_TIMEOUT)).members.filter((m) => m.id === first.id);
      expect(listed.map((m) => m.incarnation)).toEqual([second.incarnation]);
      await store.leave(first); // an old incarnation's leave must not remove the new one
      expect((await store.list(FAILURE_TIMEOUT)).members.some((m) => m.id === first.id)).toBe(true);
      await store.leave(second);
      expect((await store.list(FAILURE_TIMEOUT)).members.some((m) => m.id === first.id)).toBe(false);
    });

    it('removes a silent member once, by exactly one of the beating nodes, and announces it', async () => {
      const [s1, s2, s3] = [await open(), await open(), await open()];
      const watcher = notices.length - 1;
      const [dead, b, c] = [node('dead'), node('b'), node('c')];
      await s1.beat(dead, FAILURE_TIMEOUT);
      await s2.beat(b, FAILURE_TIMEOUT);
      await s3.beat(c, FAILURE_TIMEOUT);
      // b and c keep beating (at a third and two thirds of the failure timeout, well before `dead` expires) while
      // `dead` stays silent; no gap between beats reaches half the failure timeout, which the Redis and Postgres
      // stores take for a store outage (see `sweepCutoff`).
      let known = '';
      for (let beat = 0; beat < 2; beat += 1) {
        await fixture.elapse(FAILURE_TIMEOUT / 3);
        known = (await s2.beat(b, FAILURE_TIMEOUT)).version;
        await s3.beat(c, FAILURE_TIMEOUT);
      }
      await fixture.elapse(FAILURE_TIMEOUT / 3 + 50);
      // Not swept yet, but no longer listed: liveness is decided on read too.
      expect((await s2.list(FAILURE_TIMEOUT)).members.map((m) => m.id)).not.toContain(dead.id);
      const [r2, r3] = await Promise.all([s2.beat(b, FAILURE_TIMEOUT), s3.beat(c, FAILURE_TIMEOUT)]);
      const removals = [...r2.removed, ...r3.removed].filter((id) => id === dead.id);
      expect(removals).toEqual([dead.id]);
      expect(r2.members?.map((m) => m.id)).toEqual(expect.arrayContaining([b.id, c.id]));
      // A member that read membership before the removal gets the new list on its next heartbeat.
      const next = await s2.beat(b, FAILURE_TIMEOUT, known);
      expect(next.members?.map((m) => m.id)).not.toContain(dead.id);
      expect(next.members?.map((m) => m.id)).toEqual(expect.arrayContaining([b.id, c.id]));
      await eventually(() => notices[watcher].some((n) => n.type === 'left' && n.id === dead.id));
      // It comes back: a fresh registration.
      expect((await s1.beat(dead, FAILURE_TIMEOUT)).created).toBe(true);
      for (const [store, info] of [
        [s1, dead],
        [s2, b],
        [s3, c],
      ] as const)
        await store.leave(info);
    });

    it('removes a leaving member at once and announces it', async () => {
      const [s1, s2] = [await open(), await open()];
      const watcher = notices.length - 1;
      const [a, b] = [node('l1'), node('l2')];
      await s1.beat(a, FAILURE_TIMEOUT);
      await s2.beat(b, FAILURE_TIMEOUT);
      await s1.leave(a);
      expect((await s2.list(FAILURE_TIMEOUT)).members.map((m) => m.id)).not.toContain(a.id);
      await eventually(() => notices[watcher].some((n) => n.type === 'left' && n.id === a.id));
      await s2.leave(b);
    });

    // Last: its silence makes the Redis and Postgres stores record an outage grace for the namespace.
    it('changes the version when a member beats again after a silence longer than the failure timeout', async () => {
      const store = await open();
      const a = node('h');
      const before = await store.beat(a, FAILURE_TIMEOUT);
      await fixture.elapse(FAILURE_TIMEOUT + 100);
      // Meanwhile readers no longer listed it; whether or not it was swept, its return must reach them.
      const back = await store.beat(a, FAILURE_TIMEOUT, before.version);
      expect(back.version).not.toBe(before.version);
      expect(back.members?.map((m) => m.id)).toContain(a.id);
      await store.leave(a);
    });

    it('keeps working after close() of another node sharing the namespace', async () => {
      const [s1, s2] = [await open(), await open()];
      const a = node('k');
      await s1.close();
      expect((await s2.beat(a, FAILURE_TIMEOUT)).members?.map((m) => m.id)).toContain(a.id);
      await s2.leave(a);
    });
  });
}
