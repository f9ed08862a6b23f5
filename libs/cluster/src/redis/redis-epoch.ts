import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Subject, type Observable } from 'rxjs';
import type { RedisClient } from './redis-client.js';

/** What a node saw when it found that Redis had lost its data. */
export interface RedisDataLoss {
  /** The epoch this node knew before. */
  readonly previousEpoch: string;
  /** The epoch Redis holds now (written by whichever node noticed first). */
  readonly epoch: string;
  /** `missing`: this node found no marker and wrote a new one; `changed`: another node had already done so. */
  readonly reason: 'missing' | 'changed';
  readonly detectedAt: Date;
}

/**
 * Knows whether Redis still holds what it held: a marker key (`<prefix>:epoch`) holds a random id written once
 * (`SET NX`). A restart without persistence, a failover to an empty replica or a `FLUSHALL` removes it; the first
 * node to notice writes a new one, and every node that knew the old id emits one `RedisDataLoss` — so consumers
 * re-create their groups, caches drop their copies and the outbox re-publishes what Redis lost.
 *
 * A reconnect to the same data is not a loss: the marker is still there. The check is one `GET`, run on every
 * `interval`, on every reconnect, and whenever a caller asks (`current()`), e.g. right after publishing.
 */
export class RedisEpochWatch {
  private readonly logger = new Logger('Shoal:Redis');
  private readonly losses = new Subject<RedisDataLoss>();
  private readonly key: string;
  private known?: string;
  private inFlight?: Promise<string>;
  private timer?: NodeJS.Timeout;
  private readonly onReady = () => void this.current().catch(() => undefined);

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
    private readonly newEpoch: () => string = randomUUID,
  ) {
    this.key = `${prefix}:epoch`;
  }

  /** Every data loss this node detects, once per new epoch. */
  get dataLoss$(): Observable<RedisDataLoss> {
    return this.losses.asObservable();
  }

  /** The epoch this node last confirmed; undefined before the first check. */
  get epoch(): string | undefined {
    return this.known;
  }

  /**
   * Reads the marker (writing one when there is none) and returns the epoch Redis holds now; emits `dataLoss$`
   * first when it differs from the one this node knew. Concurrent callers share one round trip.
   */
  current(): Promise<string> {
    this.inFlight ??= this.read().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /**
   * Like `current()`, but with a read issued after this call: a check already in flight may have read the marker
   * before whatever the caller just saw happened.
   */
  async afresh(): Promise<string> {
    await this.inFlight?.catch(() => undefined);
    return this.current();
  }

  /** Checks now, then every `intervalMs` and on every reconnect. */
  async start(intervalMs: number): Promise<void> {
    await this.current();
    this.redis.on('ready', this.onReady);
    const tick = () => {
      this.timer = setTimeout(
        () =>
          void this.current()
            .catch(() => undefined)
            .finally(tick),
        intervalMs,
      );
      this.timer.unref();
    };
    tick();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.redis.off('ready', this.onReady);
    this.losses.complete();
  }

  private async read(): Promise<string> {
    let epoch = await this.redis.get(this.key);
    let reason: RedisDataLoss['reason'] = 'changed';
    if (epoch === null) {
      const candidate = this.newEpoch();
      // NX: when several nodes notice at once, one id wins and all of them adopt it.
      const written = await this.redis.set(this.key, candidate, 'NX');
      epoch = written === 'OK' ? candidate : await this.redis.get(this.key);
      if (epoch === null) throw new Error(`${this.key} vanished while it was being written`);
      if (written === 'OK') reason = 'missing';
    }
    const previous = this.known;
    this.known = epoch;
    if (previous !== undefined && previous !== epoch) {
      this.logger.warn(
        `Redis lost its data (epoch ${previous} -> ${epoch}, marker ${reason}): consumer groups are re-created ` +
          'from the start of their streams, caches and presence are cleared, and committed outbox rows are ' +
          're-published; Redis-only idempotency windows were lost with it',
      );
      this.losses.next({ previousEpoch: previous, epoch, reason, detectedAt: new Date() });
    }
    return epoch;
  }
}
