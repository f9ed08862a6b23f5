import { leaseStoreContract } from './lease-store.contract-spec.js';
import { MemoryLeaseHub } from './memory-lease.hub.js';
import { MemoryLeaseStore } from './memory-lease.store.js';

// The memory store on a fake clock: the contract's waits cost no time.
leaseStoreContract('memory', async () => {
  let now = 0;
  const hub = new MemoryLeaseHub(() => now);
  return {
    create: async () => new MemoryLeaseStore(hub),
    dispose: async () => undefined,
    elapse: async (ms) => void (now += ms),
  };
});
