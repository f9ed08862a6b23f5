import { type RedisClient } from '@shoal/cluster';
import { closeConnection, duplicateConnection } from '@shoal/cluster/internal';
import type { ClusterMessenger } from './cluster-messenger.js';

/** Redis pub/sub: one channel every socket-serving replica listens to, and one per replica for answers. */
export class RedisMessenger implements ClusterMessenger {
  private readonly broadcastChannel: string;
  private readonly ownChannel: string;
  private subscriber?: RedisClient;

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    nodeId: string,
  ) {
    this.broadcastChannel = `${prefix}:realtime:query`;
    this.ownChannel = this.channelOf(nodeId);
  }

  async start(onMessage: (message: string) => void, receiveBroadcasts: boolean): Promise<void> {
    const subscriber = duplicateConnection(this.redis, 'realtime query subscriber');
    this.subscriber = subscriber;
    subscriber.on('message', (_channel: string, message: string) => onMessage(message));
    const channels = receiveBroadcasts ? [this.broadcastChannel, this.ownChannel] : [this.ownChannel];
    await subscriber.subscribe(...channels);
  }

  async broadcast(message: string): Promise<void> {
    await this.redis.publish(this.broadcastChannel, message);
  }

  async sendTo(nodeId: string, message: string): Promise<void> {
    await this.redis.publish(this.channelOf(nodeId), message);
  }

  async close(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (!subscriber) return;
    await closeConnection(subscriber);
  }

  private channelOf(nodeId: string): string {
    return `${this.prefix}:realtime:reply:${nodeId}`;
  }
}
