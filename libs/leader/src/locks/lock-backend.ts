/** A lock as a backend holds it: its fencing token, and how to extend and release it. */
export interface HeldLock {
  readonly token: number;
  /** Extends the lock by `ttlMs` from now. @throws when it is no longer held (expired or taken). */
  extend(ttlMs: number): Promise<void>;
  /** Releases it if still held; never throws. */
  release(): Promise<void>;
}

/**
 * Where `LockService` takes locks: Redis (redlock, the fast path) when ClusterModule has Redis, else the lease
 * store (Postgres rows, or memory). Each acquisition carries a fencing token strictly greater than every earlier one
 * for that key.
 */
export interface LockBackend {
  /** One attempt: the lock, or null when another holder has it. */
  acquire(key: string, ttlMs: number): Promise<HeldLock | null>;
}
