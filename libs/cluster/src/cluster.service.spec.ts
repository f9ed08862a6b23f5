import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Registry } from 'prom-client';
import { resolveClusterConfig } from './cluster-config.js';
import { ClusterMetrics } from './cluster.metrics.js';
import { ClusterService } from './cluster.service.js';
import { ClusterConnections } from './connections/cluster-connections.js';
import type { MembershipEvent } from './membership/membership-event.js';
import type { BeatResult, MembershipStore } from './membership/membership-store.js';
import { MemoryMembershipHub } from './membership/memory-membership.hub.js';
import { MemoryMembershipStore } from './membership/memory-membership.store.js';
import type { NodeInfo } from './node-identity.js';

// Several ClusterServices in one process on one memory hub, all on Jest's fake clock (the hub's clock included).
const config = resolveClusterConfig({ store: 'memory', heartbeatInterval: 1000, failureTimeout: 3000 });

const nodeInfo = (id: string, incarnation = `${id}-1`): NodeInfo => ({
  id,
  incarnation,
  startedAt: 0,
  version: '1.0.0',
  host: 'spec',
  pid: 1,
  metadata: {},
});

/** A store that holds its next heartbeat back until the test lets it through: before its write, or its reply. */
class HeldBeatStore extends MemoryMembershipStore {
  hold?: 'write' | 'reply';
  release?: () => void;

  override async beat(self: NodeInfo, failureTimeoutMs: number): Promise<BeatResult> {
    const hold = this.hold;
    this.hold = undefined;
    const held = () => new Promise<void>((resolve) => (this.release = resolve));
    if (hold === 'write') await held();
    const result = await super.beat(self, failureTimeoutMs);
    if (hold === 'reply') await held();
    return result;
  }
}

describe('ClusterService membership', () => {
  let hub: MemoryMembershipHub;
  let services: ClusterService[];
  const tick = (ms: number) => jest.advanceTimersByTimeAsync(ms);

  const node = async (
    id: string,
    store: MembershipStore = new MemoryMembershipStore(hub),
    incarnation?: string,
  ) => {
    const metrics = new ClusterMetrics(new Registry());
    const service = new ClusterService(
      config,
      nodeInfo(id, incarnation),
      store,
      new ClusterConnections(undefined, undefined, undefined, { redis: false, postgres: false }),
      metrics,
    );
    const events: MembershipEvent[] = [];
    service.events$.subscribe((event) => events.push(event));
    await service.onApplicationBootstrap();
    services.push(service);
    const removals = async () => (await metrics.removedByThisNode.get()).values[0]?.value ?? 0;
    return { service, events, removals, seen: () => events.map((e) => `${e.type} ${e.member.id}`) };
  };

  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['queueMicrotask', 'nextTick'] });
    Logger.overrideLogger(false);
    hub = new MemoryMembershipHub(() => Date.now());
    services = [];
  });

  afterEach(async () => {
    for (const service of services) await service.onApplicationShutdown();
    jest.useRealTimers();
    Logger.overrideLogger(['log', 'error', 'warn']);
  });

  it('sees itself join at bootstrap, then a second node join as soon as it registers (before the next heartbeat)', async () => {
    const a = await node('a');
    expect(a.seen()).toEqual(['joined a']);
    await node('b');
    await tick(1);
    expect(a.seen()).toEqual(['joined a', 'joined b']);
    expect(a.service.members().map((m) => m.id)).toEqual(['a', 'b']);
  });

  it('sees a graceful leave at once, and the shard ring then spans the remaining members only', async () => {
    const a = await node('a');
    const b = await node('b');
    await tick(1);
    const rings: string[][] = [];
    a.service.shardsChanged$.subscribe((event) => rings.push([...event.members]));
    await b.service.beforeApplicationShutdown();
    await tick(1);
    expect(a.seen()).toEqual(['joined a', 'joined b', 'left b']);
    expect(rings).toEqual([['a']]);
    expect(a.service.ownerOf('any-key')).toBe('a');
  });

  it('removes a crashed node within failureTimeout + heartbeatInterval, by exactly one survivor', async () => {
    const a = await node('a');
    const b = await node('b');
    // A node that registered once and then crashed.
    await new MemoryMembershipStore(hub).beat(nodeInfo('crashed'), config.failureTimeout);
    await tick(1);
    expect(a.service.isMember('crashed')).toBe(true);
    await tick(config.failureTimeout + config.heartbeatInterval);
    expect(a.service.isMember('crashed')).toBe(false);
    expect(b.service.isMember('crashed')).toBe(false);
    expect((await a.removals()) + (await b.removals())).toBe(1);
    expect(a.seen()).toContain('left crashed');
  });

  it('sees a restart with the same id and a new incarnation as a leave followed by a join', async () => {
    const a = await node('a');
    await node('b', new MemoryMembershipStore(hub), 'b-1');
    await tick(1);
    await new MemoryMembershipStore(hub).beat(nodeInfo('b', 'b-2'), config.failureTimeout);
    await tick(1);
    expect(a.events.slice(-2).map((e) => `${e.type} ${e.member.id} ${e.member.incarnation}`)).toEqual([
      'left b b-1',
      'joined b b-2',
    ]);
  });

  it('ignores a read that completes after a later one: a slow heartbeat reply does not bring a departed member back', async () => {
    const store = new HeldBeatStore(hub);
    const a = await node('a', store);
    const b = await node('b');
    await tick(1);
    // A's next heartbeat reads the members while b is still there, and its reply is held back.
    store.hold = 'reply';
    await tick(config.heartbeatInterval);
    expect(store.release).toBeDefined();
    await b.service.beforeApplicationShutdown();
    await tick(1);
    expect(a.service.isMember('b')).toBe(false);
    store.release!();
    await tick(1);
    expect(a.service.isMember('b')).toBe(false);
    expect(a.seen()).toEqual(['joined a', 'joined b', 'left b']);
  });

  it('leaves only after its heartbeat in flight landed, so that heartbeat cannot register it again', async () => {
    const store = new HeldBeatStore(hub);
    const a = await node('a');
    const b = await node('b', store);
    await tick(1);
    store.hold = 'write';
    await tick(config.heartbeatInterval);
    expect(store.release).toBeDefined();
    const leaving = b.service.beforeApplicationShutdown();
    await tick(1);
    store.release!();
    await leaving;
    await tick(1);
    expect(hub.members.has('b')).toBe(false);
    expect(a.service.isMember('b')).toBe(false);
  });

  it('registers again at once when another node removed it while it was alive (not at its next heartbeat)', async () => {
    await node('a');
    // Another node removed "a" (say it was paused past the failure timeout) and announced it.
    hub.members.delete('a');
    hub.publish({ type: 'left', id: 'a' });
    await tick(1);
    expect(hub.members.has('a')).toBe(true);
  });

  it('counts as registered only while heartbeats succeed within failureTimeout, and again once the store is back', async () => {
    const store = new MemoryMembershipStore(hub);
    const a = await node('a', store);
    expect(a.service.registered).toBe(true);
    const beat = jest.spyOn(store, 'beat').mockRejectedValue(new Error('store unreachable'));
    await tick(config.failureTimeout + 1);
    expect(a.service.registered).toBe(false);
    beat.mockRestore();
    await tick(config.heartbeatInterval);
    expect(a.service.registered).toBe(true);
  });

  it('applies a join or a leave from the notice that carries it, without reading the members; a notice it cannot place makes it read', async () => {
    const store = new MemoryMembershipStore(hub);
    const a = await node('a', store);
    await tick(1);
    const list = jest.spyOn(store, 'list');
    await node('b');
    const c = await node('c');
    await tick(1);
    await c.service.beforeApplicationShutdown();
    await tick(1);
    expect(a.seen()).toEqual(['joined a', 'joined b', 'joined c', 'left c']);
    expect(list).not.toHaveBeenCalled();
    // A change from a version this view never held (it missed one): only a read can tell, and b is still there.
    hub.publish({ type: 'left', id: 'b', from: '999', to: '1000' });
    await tick(1);
    expect(list).toHaveBeenCalledTimes(1);
    expect(a.service.isMember('b')).toBe(true);
  });
});
