import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { LeaseLostError } from '../errors/lease-lost.error.js';
import { BatchingLeaseStore } from './batching-lease-store.js';
import { LeaseParticipant, type LeaseTiming } from './lease-participant.js';
import type { LeaseStore } from './lease-store.js';
import type { LeadershipEvent } from './lease-term.js';
import { MemoryLeaseHub } from './memory-lease.hub.js';
import { MemoryLeaseStore } from './memory-lease.store.js';

// All on Jest's fake clock: the participant's timers and `performance.now()`, and the memory store's clock with them.
const timing: LeaseTiming = { ttl: 1000, renewInterval: 300, retryInterval: 5000 };
const LEASE = 'jobs';

/** A store whose calls can be made to hang, as over a connection that stopped answering. */
class StallableStore extends MemoryLeaseStore {
  stalled = new Set<'acquire' | 'renew' | 'release'>();

  override acquire(...args: Parameters<LeaseStore['acquire']>): ReturnType<LeaseStore['acquire']> {
    return this.stalled.has('acquire') ? new Promise(() => undefined) : super.acquire(...args);
  }

  /** Holds the next acquisition back (before it reaches the store) until the returned function is called. */
  holdNextAcquire(): () => void {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const acquire = this.acquire.bind(this);
    this.acquire = async (...args) => {
      this.acquire = acquire;
      await held;
      return acquire(...args);
    };
    return release;
  }

  override renew(...args: Parameters<LeaseStore['renew']>): ReturnType<LeaseStore['renew']> {
    return this.stalled.has('renew') ? new Promise(() => undefined) : super.renew(...args);
  }
}

describe('LeaseParticipant', () => {
  let hub: MemoryLeaseHub;
  let participants: LeaseParticipant[];
  let events: LeadershipEvent[];

  const participant = (nodeId: string, store: LeaseStore = new MemoryLeaseStore(hub), times = timing) => {
    const p = new LeaseParticipant(LEASE, nodeId, store, times, (event) => events.push(event));
    participants.push(p);
    return p;
  };
  // Node runs a zero-delay timer 1 ms later, and so does the fake clock: `tick(1)` lets "at once" happen.
  const tick = (ms: number) => jest.advanceTimersByTimeAsync(ms);

  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['queueMicrotask', 'nextTick'] });
    Logger.overrideLogger(false);
    hub = new MemoryLeaseHub(() => performance.now());
    participants = [];
    events = [];
  });

  afterEach(async () => {
    for (const p of participants) await p.stop(async () => undefined);
    jest.useRealTimers();
    Logger.overrideLogger(['log', 'error', 'warn']);
  });

  it('takes a free lease at start: emits acquired with token 1 and reports itself as holder', async () => {
    const a = participant('a');
    a.start();
    await tick(1);
    expect(events).toEqual([{ type: 'acquired', lease: LEASE, nodeId: 'a', token: 1 }]);
    expect(a.isHolder()).toBe(true);
    expect(a.currentTerm()).toMatchObject({ lease: LEASE, token: 1 });
    expect(a.holder()).toEqual({ id: 'a', token: 1 });
  });

  it('keeps the lease over many TTLs by renewing it, and the other node sees it as holder and never acquires', async () => {
    const a = participant('a');
    const b = participant('b');
    a.start();
    await tick(1);
    b.start();
    await tick(10 * timing.ttl);
    expect(a.currentTerm()?.token).toBe(1);
    expect(b.isHolder()).toBe(false);
    expect(b.holder()).toEqual({ id: 'a', token: 1 });
    expect(events.filter((e) => e.nodeId === 'b')).toEqual([]);
    expect(await new MemoryLeaseStore(hub).holder(LEASE)).toMatchObject({ owner: 'a', token: 1 });
  });

  it('with alignRenewals, leases acquired at different times renew together, one renewMany per tick', async () => {
    const store = new MemoryLeaseStore(hub);
    const batches: number[] = [];
    const renewMany = store.renewMany.bind(store);
    store.renewMany = (renewals, owner, ttl) => {
      batches.push(renewals.length);
      return renewMany(renewals, owner, ttl);
    };
    const batching = new BatchingLeaseStore(store);
    const aligned = { ...timing, alignRenewals: true };
    const make = (lease: string) =>
      new LeaseParticipant(lease, 'a', batching, aligned, (event) => events.push(event));
    const [x, y] = [make('x'), make('y')];
    participants.push(x, y);
    x.start();
    await tick(100);
    y.start();
    await tick(10 * timing.ttl);
    expect(x.currentTerm()?.token).toBe(1);
    expect(y.currentTerm()?.token).toBe(1);
    expect(events.filter((e) => e.type === 'lost')).toEqual([]);
    // Every renewal after the first grid point carried both leases.
    expect(batches.length).toBeGreaterThanOrEqual(10);
    expect(batches.slice(1).every((n) => n === 2)).toBe(true);
  });

  it('steps down (expired, signal aborted) before the store lets anyone else in when renewals stop answering', async () => {
    const store = new StallableStore(hub);
    const a = participant('a', store);
    a.start();
    await tick(1);
    const signal = a.currentTerm()!.signal;
    store.stalled.add('renew');
    // The store lets another node in at t = ttl; the participant must have stepped down before that.
    await tick(timing.ttl - 1 - performance.now());
    expect(a.isHolder()).toBe(false);
    expect(events).toContainEqual({ type: 'lost', lease: LEASE, nodeId: 'a', token: 1, reason: 'expired' });
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(LeaseLostError);
    expect(await store.holder(LEASE)).toMatchObject({ owner: 'a', token: 1 });
  });

  it('steps down (expired) even when its deadline timer fires before performance.now() reaches the deadline', async () => {
    const store = new StallableStore(hub);
    const a = participant('a', store);
    a.start();
    await tick(1);
    store.stalled.add('renew');
    // From here the monotonic clock reads 3 ms behind the timers' clock, as when the event loop's time ran ahead.
    const now = performance.now.bind(performance);
    const lagging = jest.spyOn(performance, 'now').mockImplementation(() => now() - 3);
    try {
      await tick(timing.ttl + 10);
    } finally {
      lagging.mockRestore();
    }
    expect(events).toContainEqual({ type: 'lost', lease: LEASE, nodeId: 'a', token: 1, reason: 'expired' });
  });

  it('a waiting node takes an abandoned lease right after its TTL with a greater token, not after retryInterval', async () => {
    // A holder that crashed: it acquired and never renews.
    await new MemoryLeaseStore(hub).acquire(LEASE, 'crashed', timing.ttl);
    const b = participant('b');
    b.start();
    await tick(1);
    expect(b.holder()).toEqual({ id: 'crashed', token: 1 });
    await tick(timing.ttl + 1);
    expect(b.currentTerm()?.token).toBe(2);
    expect(timing.retryInterval).toBeGreaterThan(timing.ttl + 1);
  });

  it('when the store no longer knows its term, emits lost (taken) and competes again', async () => {
    const a = participant('a');
    a.start();
    await tick(1);
    // Another node took the lease (e.g. the store's clock ran ahead): renewals now fail.
    hub.leases.set(LEASE, { owner: 'intruder', token: 7, expiresAt: performance.now() + 60_000 });
    await tick(timing.renewInterval);
    expect(a.isHolder()).toBe(false);
    expect(events).toContainEqual({ type: 'lost', lease: LEASE, nodeId: 'a', token: 1, reason: 'taken' });
    await tick(1);
    expect(a.holder()).toEqual({ id: 'intruder', token: 7 });
  });

  it('takes over its own term when an acquisition that timed out went through late, keeping its token', async () => {
    const store = new StallableStore(hub);
    const a = participant('a', store, { ...timing, retryInterval: 100 });
    store.stalled.add('acquire');
    a.start();
    await tick(1);
    // The request reaches the store late and its reply never comes: the participant times out at t = ttl.
    await tick(timing.ttl / 2);
    await new MemoryLeaseStore(hub).acquire(LEASE, 'a', timing.ttl);
    store.stalled.delete('acquire');
    await tick(timing.ttl / 2 + 1);
    expect(a.isHolder()).toBe(false);
    // The retry finds the lease held by this node, with time left on it.
    await tick(100);
    expect(a.currentTerm()?.token).toBe(1);
    expect(events).toEqual([{ type: 'acquired', lease: LEASE, nodeId: 'a', token: 1 }]);
  });

  it('hands back at once a lease whose acquisition completes after stop, and never reports it acquired', async () => {
    const store = new StallableStore(hub);
    const a = participant('a', store);
    const release = store.holdNextAcquire();
    a.start();
    await tick(1);
    await a.stop(async () => undefined);
    release();
    await tick(1);
    expect(await store.holder(LEASE)).toBeNull();
    expect(a.isHolder()).toBe(false);
    expect(events).toEqual([]);
  });

  it('on stop: aborts the signal, waits for drain, then releases so the waiting node takes over at once', async () => {
    const storeA = new MemoryLeaseStore(hub);
    const storeB = new MemoryLeaseStore(hub);
    const a = participant('a', storeA);
    const b = participant('b', storeB);
    await storeB.init(() => b.wake());
    a.start();
    await tick(1);
    b.start();
    await tick(1);
    const signal = a.currentTerm()!.signal;
    let releaseDrain!: () => void;
    const stopped = a.stop(() => new Promise<void>((resolve) => (releaseDrain = resolve)));
    await tick(1);
    expect(signal.aborted).toBe(true);
    expect((signal.reason as LeaseLostError).reason).toBe('shutdown');
    expect(a.isHolder()).toBe(false);
    // Still draining: the lease is not handed back yet.
    expect(await storeB.holder(LEASE)).toMatchObject({ owner: 'a' });
    releaseDrain();
    await stopped;
    await tick(1);
    expect(b.currentTerm()?.token).toBe(2);
    expect(events.filter((e) => e.nodeId === 'a').map((e) => e.type)).toEqual(['acquired', 'lost']);
    await storeB.close();
  });
});
