import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Module } from '@nestjs/common';
import { ClusterConnections, ClusterModule } from '@shoal/cluster';
import { InProcessCluster, eventually } from '@shoal/testing';
import { Registry } from 'prom-client';
import { CACHE_ENGINE } from './cache.constants.js';
import { CacheModule } from './cache.module.js';
import { CacheService } from './cache.service.js';
import type { CacheEngine, EngineView } from './engine/cache-engine.js';
import { l2ItemKey } from './engine/cache-keys.js';
import { L1_MISS } from './engine/lru-l1.driver.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

@Module({})
class FastPathModule {}

let counter = 0;
const fresh = (what: string) => `${what}-${(counter += 1)}`;

/** An L1 entry as the driver hands it to BentoCache, parsed; an empty tag list is the same as none. */
function entryOf(serialized: string | undefined): Record<string, unknown> {
  const { tags, ...entry } = JSON.parse(serialized ?? 'null') as { tags?: unknown[] };
  return tags && tags.length > 0 ? { ...entry, tags } : entry;
}

const VALUES: readonly unknown[] = [
  0,
  -1.5,
  '',
  'text',
  true,
  false,
  null,
  [],
  [1, 'two', null],
  {},
  { nested: { list: [1, 2], flag: false }, unicode: 'é \u2028 😀' },
];

/**
 * The fast paths (an L1 hit served without BentoCache, an L2 hit read with one GET and copied to L1) answer what
 * BentoCache's own path answers, and keep its guarantees: invalidations (local, over the bus, by tag, by clear),
 * expiry and grace, namespaces.
 */
describe('Cache fast paths: the same answers as BentoCache, the same invalidations', () => {
  const prefix = `t_${Math.random().toString(36).slice(2, 10)}`;
  let group: InProcessCluster;
  let a: CacheService;
  let b: CacheService;
  let engineB: CacheEngine;
  /** BentoCache's own lookup on node b (the slow path), bypassing Shoal's fast paths. */
  const slow = (key: string, view: EngineView = engineB.view()) =>
    view.bento.get<unknown>({ key, defaultValue: L1_MISS });

  beforeAll(async () => {
    group = await InProcessCluster.start(2, (i) => ({
      module: FastPathModule,
      imports: [
        ClusterModule.forRoot({ redis: REDIS_URL, prefix, nodeId: `f${i}`, metricsRegistry: new Registry() }),
        CacheModule.forRoot({ provider: 'redis' }),
      ],
    }));
    [a, b] = group.all(CacheService);
    engineB = group.nodes[1].app.get<CacheEngine>(CACHE_ENGINE);
  });

  afterAll(async () => {
    const redis = group.nodes[0].app.get(ClusterConnections).redis();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await group.close();
  });

  it('serves every JSON value from L2 and then L1 as BentoCache does, and keeps the same L1 entry', async () => {
    for (const value of VALUES) {
      const key = fresh('typed');
      await a.set(key, value);
      expect(await b.getOrSetDetailed(key, () => 'unused')).toEqual({ value, servedFrom: 'l2' });
      const filled = entryOf(engineB.view().l1.get(key));
      expect(await b.getOrSetDetailed(key, () => 'unused')).toEqual({ value, servedFrom: 'l1' });
      expect(await b.get(key)).toEqual(value);
      expect(await slow(key)).toEqual(value);
      // BentoCache's path, from an empty L1: same value, same entry kept in L1.
      engineB.view().l1.delete(key);
      expect(await slow(key)).toEqual(value);
      expect(entryOf(engineB.view().l1.get(key))).toEqual(filled);
    }
  });

  it('serves a tagged entry from both tiers until its tag is invalidated, here or on another node', async () => {
    const tag = fresh('tag');
    const local = fresh('tagged-local');
    const remote = fresh('tagged-remote');
    for (const key of [local, remote]) await a.set(key, `${key}-v1`, { tags: [tag] });
    // The first tagged lookup makes BentoCache load the tag's invalidation time into L1; later ones use it.
    expect(await b.get(local)).toBe(`${local}-v1`);
    expect(await b.getOrSetDetailed(remote, () => 'unused', { tags: [tag] })).toEqual({
      value: `${remote}-v1`,
      servedFrom: 'l2',
    });
    expect(await b.getOrSetDetailed(remote, () => 'unused', { tags: [tag] })).toEqual({
      value: `${remote}-v1`,
      servedFrom: 'l1',
    });
    expect(await slow(remote)).toBe(`${remote}-v1`);

    await b.deleteByTag(tag);
    expect(await b.get(local)).toBeUndefined();
    expect(await slow(local)).toBe(L1_MISS);
    await eventually(async () => (await a.get(remote)) === undefined, { what: 'the tag invalidated on a' });
    expect(await b.getOrSet(remote, () => 'reloaded', { tags: [tag] })).toBe('reloaded');
    expect(await a.getOrSet(remote, () => 'from-a', { tags: [tag] })).not.toBe(`${remote}-v1`);
  });

  it('drops what it serves from L1 on a delete or set here, and on a delete, set or clear elsewhere', async () => {
    const key = fresh('invalidated');
    await a.set(key, 'v1');
    expect(await b.get(key)).toBe('v1'); // L2 → L1 on b
    await b.delete(key);
    expect(await b.get(key)).toBeUndefined();

    await b.set(key, 'v2');
    expect(await b.get(key)).toBe('v2');
    expect(await a.get(key)).toBe('v2');
    await a.set(key, 'v3');
    await eventually(async () => (await b.get(key)) === 'v3', { what: 'b serving the value set on a' });
    await a.delete(key);
    await eventually(async () => (await b.get(key)) === undefined, { what: 'b dropping the deleted key' });

    const flags = [a.namespace<string>('flags'), b.namespace<string>('flags')];
    await flags[0].set(key, 'flag');
    expect(await flags[1].get(key)).toBe('flag');
    expect(await b.get(key)).toBeUndefined(); // namespaces do not meet
    await a.clear('flags');
    await eventually(async () => (await flags[1].get(key)) === undefined, { what: 'namespace cleared on b' });
  });

  it('does not keep in L1 a value whose key was invalidated while its L2 read was in flight', async () => {
    const key = fresh('racing');
    await a.set(key, 'old');
    const view = engineB.view();
    const reading = b.getOrSetDetailed(key, () => 'unused');
    // What BentoCache does on a bus message for this key, arriving before the GET's answer.
    view.l1.delete(key);
    // The read began before the invalidation: it may answer the old value, but must not keep it.
    expect(await reading).toEqual({ value: 'old', servedFrom: 'l2' });
    expect(view.l1.peek(key)).toBe(L1_MISS);

    // Without an invalidation in between, the same read keeps the value.
    const control = b.getOrSetDetailed(key, () => 'unused');
    expect(await control).toEqual({ value: 'old', servedFrom: 'l2' });
    expect(view.l1.peek(key)).toBe('old');

    // A clear of the whole L1 (bus reconnect, Redis data loss) voids reads in flight too.
    view.l1.delete(key);
    const cleared = b.get(key);
    engineB.clearL1();
    expect(await cleared).toBe('old');
    expect(view.l1.peek(key)).toBe(L1_MISS);
  });

  it('expires entries after their ttl on both tiers, and serves one in grace as BentoCache does', async () => {
    const key = fresh('short');
    await a.set(key, 'short', { ttl: 50 });
    await eventually(async () => (await a.get(key)) === undefined, { what: 'expiry in L1' });
    expect(await b.get(key)).toBeUndefined();

    const graced = fresh('graced');
    await a.set(graced, 'stale', { ttl: 50, grace: 60_000 });
    const redis = group.nodes[0].app.get(ClusterConnections).redis();
    const itemKey = l2ItemKey(engineB.view().prefix, graced);
    await eventually(
      async () => {
        const stored = JSON.parse((await redis.get(itemKey)) ?? '{}') as { logicalExpiration?: number };
        return stored.logicalExpiration !== undefined && stored.logicalExpiration < Date.now();
      },
      { what: 'the entry logically expired in L2' },
    );
    // Stale: not served by the fast paths; BentoCache decides (with the module's defaults, no grace for `get`).
    expect(await b.get(graced)).toBe(await slow(graced).then((v) => (v === L1_MISS ? undefined : v)));
    expect(await a.get(graced)).toBeUndefined();
    // With grace on the call, the stale value is served when the factory fails, from L2 on b.
    const failing = () => Promise.reject(new Error('origin down'));
    expect(await b.getOrSet(graced, failing, { ttl: 50, grace: 60_000 })).toBe('stale');
    expect(await b.getOrSet(graced, () => 'refreshed', { ttl: 60_000 })).toBe('refreshed');
  });

  it('keeps a root key and a namespace key apart in L1, even when the root key looks like an L1 key', async () => {
    const name = fresh('x');
    const flags = b.namespace<string>('flags');
    const lookalike = `\u0001flags\u0001${name}`;
    await b.set(lookalike, 'root');
    await flags.set(name, 'flag');
    await b.set(`\u0001${name}`, 'root-2');
    expect(await b.get(lookalike)).toBe('root');
    expect(await flags.get(name)).toBe('flag');
    expect(await b.get(`\u0001${name}`)).toBe('root-2');
    await b.delete(lookalike);
    expect(await flags.get(name)).toBe('flag');
    expect(await b.get(lookalike)).toBeUndefined();
  });
});
