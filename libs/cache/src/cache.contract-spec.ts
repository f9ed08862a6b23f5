import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually } from '@shoal/testing';
import type { CacheService } from './cache.service.js';
import { InvalidCacheKeyError } from './errors/invalid-cache-key.error.js';

/** Two nodes of one cluster, each with its own `CacheService`, under a private prefix. */
export interface CacheFixture {
  readonly a: CacheService;
  readonly b: CacheService;
  /** Whether values are shared through L2 (`provider: 'redis'`). */
  readonly shared: boolean;
  /** Publishes raw text on the cache bus channel (a foreign or corrupt message). */
  publishRaw(text: string): Promise<void>;
  dispose(): Promise<void>;
}

let counter = 0;
const fresh = (what: string) => `${what}-${Date.now().toString(36)}-${(counter += 1)}`;

/**
 * The contract every cache provider keeps, whatever its tiers: one node's factory runs once per miss, values come
 * back typed, an invalidation on one node is seen by the other, tags and namespaces scope invalidations, bad input
 * is refused, the bus shrugs off garbage.
 */
export function cacheContract(name: string, makeFixture: () => Promise<CacheFixture>): void {
  describe(`Cache contract: ${name}`, () => {
    let f: CacheFixture;

    beforeAll(async () => {
      f = await makeFixture();
    });

    afterAll(async () => {
      await f?.dispose();
    });

    it('calls the factory once for 50 concurrent misses on a node, then serves from L1', async () => {
      const key = fresh('once');
      let calls = 0;
      const load = async () => {
        calls += 1;
        await new Promise((resolve) => setTimeout(resolve, 20));
        return { id: key, n: 1 };
      };
      const results = await Promise.all(Array.from({ length: 50 }, () => f.a.getOrSetDetailed(key, load)));
      expect(calls).toBe(1);
      expect(results.every((r) => r.value.id === key)).toBe(true);
      expect(results.filter((r) => r.servedFrom === 'origin')).toHaveLength(1);
      expect((await f.a.getOrSetDetailed(key, load)).servedFrom).toBe('l1');
    });

    it('round-trips values of every JSON type, and null', async () => {
      const values = [0, 'text', true, null, [1, 'two'], { nested: { list: [1, 2], flag: false } }];
      for (const value of values) {
        const key = fresh('typed');
        await f.a.set(key, value);
        expect(await f.a.get(key)).toEqual(value);
      }
      expect(await f.a.get(fresh('absent'))).toBeUndefined();
    });

    it('shares values through L2 only with the redis provider', async () => {
      const key = fresh('shared');
      await f.a.set(key, 'from-a');
      const seen = await f.b.getOrSetDetailed(key, () => 'from-b-origin');
      expect(seen).toEqual(
        f.shared ? { value: 'from-a', servedFrom: 'l2' } : { value: 'from-b-origin', servedFrom: 'origin' },
      );
    });

    it('a set on one node makes the other drop its L1 copy', async () => {
      const key = fresh('set');
      await f.a.getOrSet(key, () => 'v1');
      await f.b.getOrSet(key, () => 'v1');
      await f.a.set(key, 'v2');
      const after = await eventually(
        async () => {
          const result = await f.b.getOrSetDetailed(key, () => 'v2-from-origin');
          return result.value !== 'v1' ? result : undefined;
        },
        { what: 'node b no longer serving v1' },
      );
      expect(after.value).toBe(f.shared ? 'v2' : 'v2-from-origin');
    });

    it('a delete on one node reaches the other node, and L2', async () => {
      const key = fresh('delete');
      await f.a.getOrSet(key, () => 'old');
      await f.b.getOrSet(key, () => 'old');
      await f.a.delete(key);
      await eventually(async () => (await f.b.getOrSet(key, () => 'new')) === 'new', {
        what: 'node b loading again after the delete',
      });
      expect(await f.a.getOrSet(key, () => 'new-a')).toBe(f.shared ? 'new' : 'new-a');
    });

    it('deleteByTag invalidates tagged entries on both nodes and keeps the others', async () => {
      const tag = fresh('tag');
      const tagged = fresh('tagged');
      const plain = fresh('plain');
      for (const node of [f.a, f.b]) {
        await node.getOrSet(tagged, () => 'old', { tags: [tag] });
        await node.getOrSet(plain, () => 'kept');
      }
      await f.a.deleteByTag(tag);
      for (const node of [f.a, f.b]) {
        await eventually(async () => (await node.getOrSet(tagged, () => 'new', { tags: [tag] })) === 'new', {
          what: 'tagged entry reloaded',
        });
        expect(await node.getOrSet(plain, () => 'reloaded')).toBe('kept');
      }
    });

    it('clear(namespace) empties that namespace on both nodes; other namespaces and the root stay', async () => {
      const key = fresh('ns');
      const flags = [f.a.namespace<string>('flags'), f.b.namespace<string>('flags')];
      const users = [f.a.namespace<string>('users'), f.b.namespace<string>('users')];
      for (let i = 0; i < 2; i += 1) {
        await flags[i].getOrSet(key, () => 'flag');
        await users[i].getOrSet(key, () => 'user');
        await [f.a, f.b][i].getOrSet(key, () => 'root');
      }
      await f.a.clear('flags');
      for (let i = 0; i < 2; i += 1) {
        await eventually(
          async () => (await flags[i].getOrSet(key, () => 'flag-reloaded')) === 'flag-reloaded',
          {
            what: `namespace cleared on node ${i}`,
          },
        );
        expect(await users[i].getOrSet(key, () => 'user-reloaded')).toBe('user');
        expect(await [f.a, f.b][i].getOrSet(key, () => 'root-reloaded')).toBe('root');
      }
    });

    it('expires values after their ttl, and serves a stale one in grace when the factory fails', async () => {
      const key = fresh('ttl');
      await f.a.set(key, 'short', { ttl: 50 });
      await eventually(async () => (await f.a.get(key)) === undefined, { what: 'expiry' });
      const graced = fresh('grace');
      await f.a.getOrSet(graced, () => 'stale', { ttl: 50, grace: 60_000 });
      await eventually(
        async () =>
          (await f.a.getOrSet(graced, () => Promise.reject(new Error('origin down')), {
            ttl: 50,
            grace: 60_000,
          })) === 'stale',
        { what: 'stale value served in grace' },
      );
    });

    it('rejects with the factory error itself and caches nothing', async () => {
      const key = fresh('failing');
      const failure = new Error('database unavailable');
      await expect(f.a.getOrSet(key, () => Promise.reject(failure))).rejects.toBe(failure);
      expect(await f.a.getOrSet(key, () => 'recovered')).toBe('recovered');
    });

    it('refuses bad keys, tags and namespaces before touching anything', async () => {
      await expect(f.a.get('')).rejects.toBeInstanceOf(InvalidCacheKeyError);
      await expect(f.a.set('k'.repeat(2000), 1)).rejects.toBeInstanceOf(InvalidCacheKeyError);
      await expect(f.a.deleteByTag([''])).rejects.toBeInstanceOf(InvalidCacheKeyError);
      expect(() => f.a.namespace('bad name')).toThrow(InvalidCacheKeyError);
      await expect(f.a.set(fresh('undefined'), undefined)).rejects.toThrow(/undefined/);
    });

    it('ignores malformed bus messages and keeps delivering the next invalidation', async () => {
      await f.publishRaw('not json');
      await f.publishRaw(JSON.stringify({ c: 'x', b: 'y', p: { keys: 'nope', type: 'delete' } }));
      const key = fresh('after-garbage');
      await f.b.getOrSet(key, () => 'old');
      await f.a.delete(key);
      await eventually(async () => (await f.b.getOrSet(key, () => 'new')) === 'new', {
        what: 'invalidation after garbage',
      });
    });
  });
}
