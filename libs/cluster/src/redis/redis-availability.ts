import { Logger } from '@nestjs/common';
import type { RedisClient } from './redis-client.js';

/**
 * Follows the shared Redis connection and speaks once per outage: one WARN when it breaks (with the reason), one
 * LOG when it is back (with how long it took), never a line per failed command or reconnect attempt. ioredis
 * reconnects with a bounded backoff by itself; commands issued meanwhile wait in its queue, then fail after
 * `maxRetriesPerRequest` reconnect attempts.
 */
export class RedisAvailability {
  private readonly logger = new Logger('Shoal:Redis');
  private downSince?: number;
  private lastError?: string;

  private readonly onError = (error: Error) => {
    this.lastError = error.message;
    this.markDown();
  };
  private readonly onClose = () => this.markDown();
  private readonly onReady = () => {
    if (this.downSince === undefined) return;
    const seconds = ((Date.now() - this.downSince) / 1000).toFixed(1);
    this.downSince = undefined;
    this.logger.log(`Redis reachable again after ${seconds} s`);
  };

  constructor(
    private readonly redis: RedisClient,
    private readonly describe: string,
  ) {
    redis.on('error', this.onError);
    redis.on('close', this.onClose);
    redis.on('ready', this.onReady);
  }

  /** Whether the connection is up (false from the first error or close until it is ready again). */
  get available(): boolean {
    return this.downSince === undefined;
  }

  /** Stops listening (the connection is being closed on purpose). */
  detach(): void {
    this.redis.off('error', this.onError);
    this.redis.off('close', this.onClose);
    this.redis.off('ready', this.onReady);
    // Without a listener ioredis would print every later error as unhandled.
    this.redis.on('error', () => undefined);
  }

  private markDown(): void {
    if (this.downSince !== undefined) return;
    this.downSince = Date.now();
    // 'close' may come before the error that explains it: give the reason a moment to arrive.
    setImmediate(() => {
      if (this.downSince === undefined) return;
      this.logger.warn(
        `Redis at ${this.describe} unreachable (${this.lastError ?? 'connection closed'}); reconnecting with ` +
          'backoff, commands wait meanwhile',
      );
    });
  }
}
