import { describe, expect, it } from '@jest/globals';
import { rendezvousOwner } from './rendezvous.js';

const keys = Array.from({ length: 10_000 }, (_, i) => `order:${i}`);

function owners(nodes: string[]): Map<string, string> {
  return new Map(keys.map((key) => [key, rendezvousOwner(key, nodes) as string]));
}

describe('rendezvousOwner', () => {
  it('has no owner without nodes', () => {
    expect(rendezvousOwner('k', [])).toBeUndefined();
  });

  it('does not depend on the order the members are listed in', () => {
    const a = owners(['n1', 'n2', 'n3']);
    const b = owners(['n3', 'n1', 'n2']);
    expect([...a.entries()]).toEqual([...b.entries()]);
  });

  it('spreads keys evenly', () => {
    const counts = new Map<string, number>();
    for (const owner of owners(['n1', 'n2', 'n3', 'n4']).values())
      counts.set(owner, (counts.get(owner) ?? 0) + 1);
    for (const count of counts.values()) expect(count).toBeGreaterThan(2_200); // 2,500 expected each
  });

  it('moves only keys to a joining node, about 1/N of them', () => {
    const before = owners(['n1', 'n2', 'n3']);
    const after = owners(['n1', 'n2', 'n3', 'n4']);
    let moved = 0;
    for (const key of keys) {
      if (before.get(key) === after.get(key)) continue;
      moved += 1;
      expect(after.get(key)).toBe('n4');
    }
    expect(moved / keys.length).toBeGreaterThan(0.2);
    expect(moved / keys.length).toBeLessThan(0.3);
  });

  it('moves only the keys of a leaving node', () => {
    const before = owners(['n1', 'n2', 'n3', 'n4']);
    const after = owners(['n1', 'n2', 'n4']);
    let moved = 0;
    for (const key of keys) {
      if (before.get(key) === after.get(key)) continue;
      moved += 1;
      expect(before.get(key)).toBe('n3');
    }
    expect(moved).toBe([...before.values()].filter((owner) => owner === 'n3').length);
    expect(moved / keys.length).toBeGreaterThan(0.2);
    expect(moved / keys.length).toBeLessThan(0.3);
  });
});
