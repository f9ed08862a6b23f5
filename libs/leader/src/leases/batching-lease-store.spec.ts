import { describe, expect, it } from '@jest/globals';
import type { LeaseRenewal } from './lease-store.js';
import { BatchingLeaseStore } from './batching-lease-store.js';
import { MemoryLeaseHub } from './memory-lease.hub.js';
import { MemoryLeaseStore } from './memory-lease.store.js';

describe('BatchingLeaseStore', () => {
  it('sends renewals asked for together as one renewMany, each with its own answer', async () => {
    const store = new MemoryLeaseStore(new MemoryLeaseHub(() => 0));
    const calls: LeaseRenewal[][] = [];
    const renewMany = store.renewMany.bind(store);
    store.renewMany = (renewals, owner, ttl) => {
      calls.push([...renewals]);
      return renewMany(renewals, owner, ttl);
    };
    const batching = new BatchingLeaseStore(store);
    const tokens: number[] = [];
    for (const lease of ['s1', 's2', 's3']) {
      const result = await batching.acquire(lease, 'me', 1000);
      if (result.acquired) tokens.push(result.token);
    }
    const answers = await Promise.all([
      batching.renew('s1', 'me', tokens[0], 1000),
      batching.renew('s2', 'me', tokens[1] + 1, 1000),
      batching.renew('s3', 'me', tokens[2], 1000),
    ]);
    expect(answers).toEqual([true, false, true]);
    expect(calls.map((c) => c.map((r) => r.lease))).toEqual([['s1', 's2', 's3']]);
  });
});
