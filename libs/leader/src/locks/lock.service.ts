import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ClusterConnections } from '@shoal/cluster';
import { CLUSTER_CONFIG, type ClusterConfig } from '@shoal/cluster/internal';
import { LockLostError } from '../errors/lock-lost.error.js';
import { LockTimeoutError } from '../errors/lock-timeout.error.js';
import type { LeaderConfig } from '../leader-config.js';
import { LEASE_NAME_PATTERN, leaseNameSchema } from '../leader-config.js';
import { LEADER_CONFIG, LEASE_STORE } from '../leader.constants.js';
import { LeaderMetrics } from '../leader.metrics.js';
import type { LeaseStore } from '../leases/lease-store.js';
import type { HeldLock, LockBackend } from './lock-backend.js';
import type { LockHandle, LockOptions } from './lock-handle.js';
import { LeaseLockBackend } from './lease-lock.backend.js';
import { LocalTurns } from './local-turns.js';
import { LeaseReleases } from '../leases/lease-releases.js';
import { RedisLockBackend } from './redis-lock.backend.js';

/**
 * Distributed mutual exclusion with automatic extension while held, bounded waiting, and a fencing token per
 * acquisition — on Redis (redlock) when ClusterModule has Redis, else on the lease store (Postgres rows).
 *
 * A lock makes contention rare and cheap; it cannot make a paused holder stop writing. Where two holders at once
 * would corrupt data, have the resource check the token (see `FencingService`).
 */
@Injectable()
export class LockService implements OnApplicationShutdown {
  private readonly logger = new Logger('Shoal:Locks');
  private readonly held = new Set<LockHandle>();
  private readonly backend: LockBackend;
  private readonly turns = new LocalTurns();
  /** The outcome counters, label-bound once (a label lookup hashes and allocates on every call). */
  private readonly outcomes: Record<'acquired' | 'busy' | 'timeout', { inc(): void }>;

  constructor(
    connections: ClusterConnections,
    @Inject(CLUSTER_CONFIG) cluster: ClusterConfig,
    @Inject(LEADER_CONFIG) private readonly config: LeaderConfig,
    @Inject(LEASE_STORE) leases: LeaseStore,
    private readonly metrics: LeaderMetrics,
    private readonly releases: LeaseReleases,
  ) {
    this.backend = connections.hasRedis
      ? new RedisLockBackend(connections.redis(), cluster.prefix)
      : new LeaseLockBackend(leases);
    this.logger.log(`locks on ${connections.hasRedis ? 'Redis' : 'the lease store'}`);
    const outcome = (name: 'acquired' | 'busy' | 'timeout') => metrics.lockOutcomes.labels({ outcome: name });
    this.outcomes = { acquired: outcome('acquired'), busy: outcome('busy'), timeout: outcome('timeout') };
  }

  /** Where locks live: `redis`, or `leases` (the lease store: Postgres or memory). */
  get backendKind(): 'redis' | 'leases' {
    return this.backend instanceof RedisLockBackend ? 'redis' : 'leases';
  }

  /** One attempt: the lock, or null when someone else holds it. */
  async tryLock(key: string, options: LockOptions = {}): Promise<LockHandle | null> {
    const started = performance.now();
    const handle = await this.attempt(this.checkKey(key), this.ttlOf(options));
    this.outcomes[handle ? 'acquired' : 'busy'].inc();
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
    const timeout = () => {
      this.outcomes.timeout.inc();
      return new LockTimeoutError(checked, wait);
    };
    // Callers on this node wait their turn locally; only the one whose turn it is asks the store.
    if (!(await this.turns.take(checked, started + wait))) throw timeout();
    try {
      for (;;) {
        const handle = await this.attempt(checked, ttl, () => this.turns.pass(checked));
        if (handle) {
          this.outcomes.acquired.inc();
          this.metrics.lockAcquireSeconds.observe((performance.now() - started) / 1000);
          return handle;
        }
        const waited = performance.now() - started;
        if (waited >= wait) throw timeout();
        const pause = this.config.locks.retryDelay + Math.random() * this.config.locks.retryJitter;
        // On the lease store a release is announced: try again at once instead of at the next poll.
        await this.releases.next(`lock:${checked}`, Math.min(pause, wait - waited));
      }
    } catch (error) {
      this.turns.pass(checked);
      throw error;
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

  private async attempt(key: string, ttl: number, onRelease?: () => void): Promise<LockHandle | null> {
    const held = await this.backend.acquire(key, ttl);
    return held ? this.hold(key, held, ttl, onRelease) : null;
  }

  private hold(key: string, held: HeldLock, ttl: number, onRelease?: () => void): LockHandle {
    const handle = new ExtendedLock(key, held, ttl, this.logger, (released) => {
      this.held.delete(released);
      onRelease?.();
    });
    this.held.add(handle);
    return handle;
  }
}

/**
 * A held lock, extended every half TTL until released. One object per acquisition (its `AbortController` only if
 * someone reads `signal`): the uncontended `tryLock` → `release` cycle is the hot path of the lock benchmark.
 */
class ExtendedLock implements LockHandle {
  private timer: NodeJS.Timeout;
  private controller?: AbortController;
  private lost?: LockLostError;
  private released = false;

  constructor(
    readonly key: string,
    private readonly held: HeldLock,
    private readonly ttl: number,
    private readonly logger: Logger,
    private readonly onRelease: (lock: ExtendedLock) => void,
  ) {
    this.timer = setTimeout(this.extend, ttl / 2);
  }

  get token(): number {
    return this.held.token;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.lost) this.controller.abort(this.lost);
    }
    return this.controller.signal;
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearTimeout(this.timer);
    await this.held.release();
    this.onRelease(this);
  }

  private readonly extend = (): void => {
    this.held.extend(this.ttl).then(
      () => {
        if (!this.released) this.timer = setTimeout(this.extend, this.ttl / 2);
      },
      (error: unknown) => {
        if (this.released) return;
        this.logger.warn(`lock "${this.key}" could not be extended: ${String(error)}`);
        this.lost = new LockLostError(this.key, this.token);
        this.controller?.abort(this.lost);
      },
    );
  };
}
