import { randomBytes } from 'node:crypto';
import type { LeaseStore } from '../leases/lease-store.js';
import { LockLostError } from '../errors/lock-lost.error.js';
import type { HeldLock, LockBackend } from './lock-backend.js';

/** Holder names: a random prefix per process plus a counter — one per acquisition. */
const HOLDER_PREFIX = `lock-${randomBytes(8).toString('hex')}`;

/**
 * Locks on the lease store (Postgres rows, or memory) under the lease name `lock:<key>`: the same expiry on the
 * store's clock and the same fencing tokens as leader leases. The path of Postgres-only clusters.
 */
export class LeaseLockBackend implements LockBackend {
  private acquisitions = 0;

  constructor(private readonly leases: LeaseStore) {}

  async acquire(key: string, ttlMs: number): Promise<HeldLock | null> {
    const lease = `lock:${key}`;
    const holder = `${HOLDER_PREFIX}:${(this.acquisitions += 1)}`;
    const result = await this.leases.acquire(lease, holder, ttlMs);
    if (!result.acquired) return null;
    const { token } = result;
    return {
      token,
      extend: async (ttl) => {
        if (!(await this.leases.renew(lease, holder, token, ttl))) throw new LockLostError(key, token);
      },
      release: async () => {
        await this.leases.release(lease, holder, token).catch(() => undefined);
      },
    };
  }
}
