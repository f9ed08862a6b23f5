import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ClusterConnections, ClusterService, type RedisClient } from '@shoal/cluster';
import { duplicateConnection } from '@shoal/cluster/internal';
import { Cluster } from 'ioredis';
import { MESSAGING_CONFIG } from '../messaging.constants.js';
import type { MessagingConfig } from '../messaging-config.js';
import { MessagingKeys, type Frame, type MessageFrame, type ReplyFrame } from './frames.js';

/**
 * Redis pub/sub between nodes: one channel per node carries the requests, events and replies addressed to it.
 * Publishing reports how many subscribers got the frame, so a send to a node that is not listening fails at once.
 *
 * Frames and shard-stream writes go over a connection of their own with ioredis auto-pipelining: everything sent
 * in one turn of the event loop leaves in one write (and the next batch while the previous one is answered), so
 * the per-message cost under load is a fraction of a round trip and of a syscall.
 */
@Injectable()
export class MessagingBus implements OnApplicationShutdown {
  private readonly logger = new Logger('Shoal:Messaging');
  readonly keys: MessagingKeys;
  private readonly redis: RedisClient;
  private subscriber?: RedisClient;
  private readonly pipelined: RedisClient;
  private starting?: Promise<void>;
  private onMessage?: (frame: MessageFrame) => void;
  private onReply?: (frame: ReplyFrame) => void;
  private readonly notices = new Set<() => void>();

  constructor(
    connections: ClusterConnections,
    private readonly cluster: ClusterService,
    @Inject(MESSAGING_CONFIG) readonly config: MessagingConfig,
  ) {
    this.redis = connections.redis('MessagingModule');
    this.pipelined = pipelinedConnection(this.redis, this.logger);
    this.keys = new MessagingKeys(cluster.prefix);
  }

  /** The shared command connection (not for blocking commands). */
  get commands(): RedisClient {
    return this.redis;
  }

  /**
   * The auto-pipelined connection for the per-message commands (publishes, shard appends and acknowledgements):
   * commands issued in one event-loop turn are written together, in order.
   */
  get pipeline(): RedisClient {
    return this.pipelined;
  }

  /** Subscribes this node's channel once; later calls wait for the same subscription. */
  start(): Promise<void> {
    this.starting ??= this.subscribe().catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  /** Receives requests and events addressed to this node (the transport server, while it listens). */
  serve(handler: ((frame: MessageFrame) => void) | undefined): void {
    this.onMessage = handler;
  }

  /** Receives replies addressed to this node (the clients' pending requests). */
  receiveReplies(handler: (frame: ReplyFrame) => void): void {
    this.onReply = handler;
  }

  /** Calls `listener` whenever some node announces a handler registry change; returns the unsubscribe. */
  onRegistryNotice(listener: () => void): () => void {
    this.notices.add(listener);
    return () => this.notices.delete(listener);
  }

  /** Publishes `frame` to `node`'s channel; resolves with the number of subscribers that got it (0: not listening). */
  async send(node: string, frame: Frame): Promise<number> {
    return this.pipeline.publish(this.keys.nodeChannel(node), JSON.stringify(frame));
  }

  /** Tells every node to re-read the handler registry. */
  async announceRegistryChange(): Promise<void> {
    await this.redis.publish(this.keys.registryChannel, this.cluster.self.id);
  }

  async onApplicationShutdown(): Promise<void> {
    const { subscriber, pipelined } = this;
    this.subscriber = undefined;
    this.starting = undefined;
    await Promise.all([subscriber, pipelined].map((c) => c && c.quit().catch(() => c.disconnect())));
  }

  private async subscribe(): Promise<void> {
    const subscriber = duplicateConnection(this.redis, 'messaging subscriber');
    this.subscriber = subscriber;
    const own = this.keys.nodeChannel(this.cluster.self.id);
    subscriber.on('message', (channel: string, raw: string) => {
      if (channel === this.keys.registryChannel) {
        for (const listener of this.notices) listener();
        return;
      }
      if (channel === own) this.dispatch(raw);
    });
    await subscriber.subscribe(own, this.keys.registryChannel);
  }

  private dispatch(raw: string): void {
    let frame: Frame;
    try {
      frame = JSON.parse(raw) as Frame;
    } catch {
      this.logger.warn('dropped a malformed frame');
      return;
    }
    if (frame.t === 'res') this.onReply?.(frame);
    else if (this.onMessage) this.onMessage(frame);
    else if (frame.t === 'req') {
      void this.send(frame.from, {
        t: 'res',
        id: frame.id,
        from: this.cluster.self.id,
        refusal: { code: 'no-handler', message: 'this node does not listen (no Shoal transport connected)' },
      }).catch(() => undefined);
    }
  }
}

/** A new connection like `redis`, with auto-pipelining (errors logged at debug level; ioredis reconnects). */
function pipelinedConnection(redis: RedisClient, logger: Logger): RedisClient {
  const connection: RedisClient =
    redis instanceof Cluster
      ? redis.duplicate(undefined, { enableAutoPipelining: true })
      : redis.duplicate({ enableAutoPipelining: true });
  connection.on('error', (error: Error) => logger.debug(`messaging publisher: ${error.message}`));
  return connection;
}
