import { MemoryMembershipHub } from './memory-membership.hub.js';
import { MemoryMembershipStore } from './memory-membership.store.js';
import { membershipStoreContract } from './membership-store.contract-spec.js';

// The memory store on a fake clock: the contract's waits cost no time.
membershipStoreContract('memory', async () => {
  let now = Date.now();
  const hub = new MemoryMembershipHub(() => now);
  return {
    create: async () => new MemoryMembershipStore(hub),
    dispose: async () => undefined,
    elapse: async (ms) => void (now += ms),
  };
});
