import type { RedisClient } from '@shoal/cluster';
import Redlock, { Lock } from 'redlock';
import { randomBytes } from 'node:crypto';
import type { HeldLock, LockBackend } from './lock-backend.js';
import { acquireLockScript, releaseLockScript } from './lock-token.script.js';

/** Lock values: a random prefix per process plus a counter — unique per acquisition, as redlock needs. */
const HOLDER_PREFIX = randomBytes(12).toString('hex');

/**
 * Locks on Redis: one Lua round trip takes the lock and draws its token; redlock extends it; one compare-and-delete
 * script releases it.
 */
export class RedisLockBackend implements LockBackend {
  private readonly redlock: Redlock;
  private acquisitions = 0;

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {
    this.redlock = new Redlock([redis], { retryCount: 0, driftFactor: 0.01 });
  }

  async acquire(key: string, ttlMs: number): Promise<HeldLock | null> {
    const resource = `${this.prefix}:lock:{${key}}`;
    const value = `${HOLDER_PREFIX}:${(this.acquisitions += 1)}`; // unique per acquisition, no crypto call
    // One round trip: the lock and its fencing token together (redlock's own acquire would need a second one).
    const token = await acquireLockScript.run(this.redis, [resource, `${resource}:token`], [value, ttlMs]);
    if (token === null) return null;
    // Valid until one TTL from now less redlock's drift allowance, as redlock's own acquire computes it.
    const validUntil = Date.now() + ttlMs - Math.round(ttlMs * 0.01) - 2;
    return new RedisHeldLock(this.redis, this.redlock, resource, value, Number(token), validUntil);
  }
}

/**
 * One acquisition on Redis. Extension goes through redlock's compare-and-set script (its `Lock` is built at the
 * first extension: most locks are released long before one is due); release is the same compare-and-delete redlock
 * runs, as one script (redlock's release allocates about a quarter of a whole acquire-and-release cycle).
 */
class RedisHeldLock implements HeldLock {
  private lock?: Lock;

  constructor(
    private readonly redis: RedisClient,
    private readonly redlock: Redlock,
    private readonly resource: string,
    private readonly value: string,
    readonly token: number,
    private readonly validUntil: number,
  ) {}

  async extend(ttlMs: number): Promise<void> {
    this.lock ??= new Lock(this.redlock, [this.resource], this.value, [], this.validUntil);
    this.lock = await this.lock.extend(ttlMs);
  }

  async release(): Promise<void> {
    await releaseLockScript.run(this.redis, [this.resource], [this.value]).catch(() => undefined);
  }
}
