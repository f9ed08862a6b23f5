import { type RedisClient } from '@shoal/cluster';
import { dropConnection, duplicateConnection } from '@shoal/cluster/internal';
import { CacheBusTransport } from './cache-bus-transport.js';

/**
 * The cache bus on Redis pub/sub: publishes on Shoal's shared connection, listens on a dedicated duplicate.
 * When the listening connection comes back after a drop, it subscribes again and only then reports
 * `onResubscribed` — from that moment no invalidation can be missed, so clearing L1 then closes the gap.
 */
export class RedisBusTransport extends CacheBusTransport {
  private subscriber?: RedisClient;
  private starting?: Promise<void>;
  private dropped = false;
  private closed = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly channel: string,
  ) {
    super();
  }

  protected async send(text: string): Promise<void> {
    await this.redis.publish(this.channel, text);
  }

  protected listen(): Promise<void> {
    this.starting ??= this.start();
    return this.starting;
  }

  private async start(): Promise<void> {
    const subscriber = duplicateConnection(this.redis, 'cache bus');
    this.subscriber = subscriber;
    subscriber.on('message', (channel: string, text: string) => {
      if (channel === this.channel) this.receive(text);
    });
    subscriber.on('close', () => {
      if (this.closed || this.dropped) return;
      this.dropped = true;
      this.live = false;
      this.logger.warn(`cache bus connection lost; L1 is cleared when it is back`);
    });
    subscriber.on('ready', () => {
      if (!this.dropped || this.closed) return;
      // ioredis re-subscribes by itself, but 'ready' fires before that is confirmed: subscribe and wait.
      subscriber.subscribe(this.channel).then(
        () => {
          this.dropped = false;
          this.logger.log('cache bus connection back; L1 cleared');
          this.resubscribed();
        },
        (error: unknown) => this.logger.debug(`re-subscribe: ${String(error)}`),
      );
    });
    await subscriber.subscribe(this.channel);
    this.live = !this.dropped;
  }

  async disconnect(): Promise<void> {
    this.closed = true;
    this.live = false;
    if (this.subscriber) dropConnection(this.subscriber);
  }
}
