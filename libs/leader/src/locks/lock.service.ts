import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ClusterConnections, type RedisClient } from '@shoal/cluster';
import { CLUSTER_CONFIG, type ClusterConfig } from '@shoal/cluster/internal';
import Redlock, { Lock } from 'redlock';
import { randomBytes } from 'node:crypto';

/** Lock values: a random prefix per process plus a counter — unique per acquisition, as redlock needs. */
const HOLDER_PREFIX = randomBytes(12).toString('hex');
import { LockLostError } from '../errors/lock-lost.error.js';
import { LockTimeoutError } from '../errors/lock-timeout.error.js';
import type { LeaderConfig } from '../leader-config.js';
import { LEASE_NAME_PATTERN, leaseNameSchema } from '../leader-config.js';
import { LEADER_CONFIG } from '../leader.constants.js';
import { LeaderMetrics } from '../leader.metrics.js';
import type { LockHandle, LockOptions } from './lock-handle.js';
import { acquireLockScript } from './lock-token.script.js';

/**
 * Distributed mutual exclusion on Redis (redlock), with automatic extension while held, bounded waiting, and a
 * fencing token per acquisition.
 *
 * A Redis lock makes contention rare and cheap; it cannot make a paused holder stop writing. Where two holders at
 * once would corrupt data, have the resource check the token (see `FencingService`).
 */
@Injectable()
export class LockService implements OnApplicationShutdown {
  private readonly logger = new Logger('Shoal:Locks');
  private readonly held = new Set<LockHandle>();
  private acquisitions = 0;
  private client?: { redis: RedisClient; redlock: Redlock };

  constructor(
    private readonly connections: ClusterConnections,
    @Inject(CLUSTER_CONFIG) private readonly cluster: ClusterConfig,
    @Inject(LEADER_CONFIG) private readonly config: LeaderConfig,
    private readonly metrics: LeaderMetrics,
  ) {}

  /** One attempt: the lock, or null when someone else holds it. */
  async tryLock(key: string, options: LockOptions = {}): Promise<LockHandle | null> {
    const started = performance.now();
    const handle = await this.attempt(this.checkKey(key), this.ttlOf(options));
    this.metrics.lockOutcomes.inc({ outcome: handle ? 'acquired' : 'busy' });
    if (handle) this.metrics.lockAcquireSeconds.observe((performance.now() - started) / 1000);
    return handle;
  }

  /**
   * Waits up to `wait` ms for the lock.
   * @throws LockTimeoutError when it stays held by others.
   */
  async lock(key: string, options: LockOptions = {}): Promise<LockHandle> {
    const checked = this.checkKey(key);
    const ttl = this.ttlOf(options);
    const wait = options.wait ?? this.config.locks.wait;
    const started = performance.now();
    for (;;) {
      const handle = await this.attempt(checked, ttl);
      if (handle) {
        this.metrics.lockOutcomes.inc({ outcome: 'acquired' });
        this.metrics.lockAcquireSeconds.observe((performance.now() - started) / 1000);
        return handle;
      }
      const waited = performance.now() - started;
      if (waited >= wait) {
        this.metrics.lockOutcomes.inc({ outcome: 'timeout' });
        throw new LockTimeoutError(checked, wait);
      }
      const pause = this.config.locks.retryDelay + Math.random() * this.config.locks.retryJitter;
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, wait - waited)));
    }
  }

  /** Runs `work` holding the lock (waiting up to `wait`), releasing it afterwards whatever happens. */
  async withLock<T>(
    key: string,
    work: (lock: LockHandle) => Promise<T> | T,
    options: LockOptions = {},
  ): Promise<T> {
    const handle = await this.lock(key, options);
    try {
      return await work(handle);
    } finally {
      await handle.release();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.held].map((h) => h.release()));
  }

  private checkKey(key: string): string {
    if (LEASE_NAME_PATTERN.test(key)) return key; // the hot path: a plain regex, no schema object
    const checked = leaseNameSchema.safeParse(key);
    throw new Error(
      `lock key "${key}" ${checked.success ? 'is not valid' : checked.error.issues[0].message}`,
    );
  }

  private ttlOf(options: LockOptions): number {
    const ttl = options.ttl ?? this.config.locks.ttl;
    if (!Number.isInteger(ttl) || ttl < 10)
      throw new Error(`lock ttl must be a whole number of ms ≥ 10, got ${ttl}`);
    return ttl;
  }

  /** Redis and redlock, created on first use so apps without Redis can still use the rest of LeaderModule. */
  private redis(): { redis: RedisClient; redlock: Redlock } {
    if (!this.client) {
      const redis = this.connections.redis('LockService');
      this.client = { redis, redlock: new Redlock([redis], { retryCount: 0, driftFactor: 0.01 }) };
    }
    return this.client;
  }

  private async attempt(key: string, ttl: number): Promise<LockHandle | null> {
    const { redis, redlock } = this.redis();
    const resource = `${this.cluster.prefix}:lock:{${key}}`;
    const value = `${HOLDER_PREFIX}:${(this.acquisitions += 1)}`; // unique per acquisition, no crypto call
    // One round trip: the lock and its fencing token together (redlock's own acquire would need a second one).
    const token = await acquireLockScript.run(redis, [resource, `${resource}:token`], [value, ttl]);
    if (token === null) return null;
    // From here on redlock owns the lock: extension and release use its compare-and-set scripts.
    const lock = new Lock(redlock, [resource], value, [], Date.now() + ttl - Math.round(ttl * 0.01) - 2);
    return this.hold(key, Number(token), lock, ttl);
  }

  private hold(key: string, token: number, acquired: Lock, ttl: number): LockHandle {
    // The AbortController is made only if someone reads `signal` (most callers never do).
    let controller: AbortController | undefined;
    let lost: LockLostError | undefined;
    let lock = acquired;
    let released = false;
    const extend = async () => {
      try {
        lock = await lock.extend(ttl);
        if (!released) timer = setTimeout(() => void extend(), ttl / 2);
      } catch (error) {
        if (released) return;
        this.logger.warn(`lock "${key}" could not be extended: ${String(error)}`);
        lost = new LockLostError(key, token);
        controller?.abort(lost);
      }
    };
    let timer = setTimeout(() => void extend(), ttl / 2);
    const handle: LockHandle = {
      key,
      token,
      get signal(): AbortSignal {
        if (!controller) {
          controller = new AbortController();
          if (lost) controller.abort(lost);
        }
        return controller.signal;
      },
      release: async () => {
        if (released) return;
        released = true;
        clearTimeout(timer);
        this.held.delete(handle);
        await lock
          .release()
          .catch((error: unknown) => this.logger.debug(`release "${key}": ${String(error)}`));
      },
    };
    this.held.add(handle);
    return handle;
  }
}
