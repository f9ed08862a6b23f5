import { describe, expect, it } from '@jest/globals';
import { MemoryPresenceHub, MemoryPresenceStore } from './memory-presence.store.js';
import { PresenceTracker } from './presence-tracker.js';

/** A memory store that fails its next `n` calls. */
class FlakyStore extends MemoryPresenceStore {
  failures = 0;
  override async connect(nodeId: string, userId: string): Promise<boolean> {
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('store down');
    }
    return super.connect(nodeId, userId);
  }
}

describe('PresenceTracker', () => {
  it('registers, mirrors changes in order, and removes the node on stop', async () => {
    const store = new MemoryPresenceStore(new MemoryPresenceHub());
    const tracker = new PresenceTracker(store, 'a');
    await tracker.start();
    tracker.connected('ada');
    tracker.connected('ada');
    tracker.disconnected('ada');
    tracker.connected('bob');
    await tracker.idle();
    expect(await store.user('ada')).toEqual([{ nodeId: 'a', sockets: 1 }]);
    expect(await store.totals()).toEqual({ users: 2, sockets: 2 });
    await tracker.stop(1000);
    expect(await store.totals()).toEqual({ users: 0, sockets: 0 });
    expect(await store.nodes()).toEqual([]);
  });

  it('re-registers its whole local state when the store forgot the node', async () => {
    const store = new MemoryPresenceStore(new MemoryPresenceHub());
    const tracker = new PresenceTracker(store, 'a');
    await tracker.start();
    tracker.connected('ada');
    await tracker.idle();
    await store.remove('a'); // removed as dead while it was paused
    tracker.connected('bob'); // refused by the store → full re-registration
    await tracker.idle();
    expect((await store.nodes()).map((n) => n.nodeId)).toEqual(['a']);
    expect(await store.totals()).toEqual({ users: 2, sockets: 2 });
    await tracker.stop(1000);
  });

  it('re-registers after a failed write, once the store answers again', async () => {
    const store = new FlakyStore(new MemoryPresenceHub());
    const tracker = new PresenceTracker(store, 'a');
    await tracker.start();
    store.failures = 1;
    tracker.connected('ada');
    tracker.connected('cy');
    await tracker.idle();
    expect(await store.totals()).toEqual({ users: 2, sockets: 2 });
    await tracker.stop(1000);
  });
});
