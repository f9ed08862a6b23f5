import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { ClusterService } from '@shoal/cluster';
import type { Subscription } from 'rxjs';
import type { EntityEnvelope, MessageFrame } from '../bus/frames.js';
import { MessagingBus } from '../bus/messaging-bus.js';
import { shardOf } from '../entities/shard-of.js';
import { ShardStreams } from '../entities/shard-streams.js';
import { TargetBusyError } from '../errors/target-busy.error.js';
import { TargetUnavailableError } from '../errors/target-unavailable.error.js';
import { MESSAGING_CONFIG } from '../messaging.constants.js';
import type { MessagingConfig } from '../messaging-config.js';
import { MessagingMetrics } from '../messaging.metrics.js';
import { HandlerRegistry } from '../registry/handler-registry.js';
import { ShoalRecord, type ShoalRecordOptions } from '../routing/shoal-record.js';
import { routeTargets } from './route-targets.js';
import { PendingRequests } from './pending-requests.js';

/**
 * The `ClientProxy` of the Shoal transport: `send` (request/response) and `emit` (events) to other replicas, routed
 * per message with a {@link ShoalRecord} (default: any node that handles the pattern).
 *
 * Guarantees: every `send` settles — with the answer, the handler's error (an `RpcException`'s payload arrives as
 * is), `NoHandlerError`, `TargetBusyError`, `MessageTimeoutError` after the timeout, or `TargetUnavailableError`
 * at once when the target is not live or leaves meanwhile. Plain routes are at most once (pub/sub); entity routes
 * are durable and at least once, answered by whichever node owns the shard when the message is handled.
 */
@Injectable()
export class ShoalClient extends ClientProxy implements OnApplicationShutdown {
  private readonly pending: PendingRequests;
  private readonly streams: ShardStreams;
  private readonly membership: Subscription;
  private turn = 0;

  constructor(
    private readonly bus: MessagingBus,
    private readonly registry: HandlerRegistry,
    private readonly cluster: ClusterService,
    private readonly metrics: MessagingMetrics,
    @Inject(MESSAGING_CONFIG) private readonly config: MessagingConfig,
  ) {
    super();
    this.pending = new PendingRequests(metrics);
    this.streams = new ShardStreams(bus.commands, bus.keys, config.maxShardBacklog);
    bus.receiveReplies((frame) => this.pending.reply(frame));
    this.membership = cluster.events$.subscribe((event) => {
      if (event.type === 'left') this.pending.nodeLeft(event.member.id);
    });
  }

  async connect(): Promise<void> {
    await this.bus.start();
  }

  /** Requests in flight are failed by `onApplicationShutdown`; the connections belong to `ClusterModule`. */
  close(): void {}

  unwrap<T>(): T {
    return this.bus.commands as T;
  }

  onApplicationShutdown(): void {
    this.membership.unsubscribe();
    this.pending.failAll('the caller is shutting down');
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    const pattern = this.normalizePattern(packet.pattern);
    const { data, options } = this.unpack(packet.data);
    const id = randomUUID();
    const fail = (err: unknown) => callback({ err });
    if (this.pending.size >= this.config.maxPending) {
      fail(
        new TargetBusyError(
          pattern,
          'this caller',
          `${this.config.maxPending} requests pending (maxPending)`,
        ),
      );
      return () => undefined;
    }
    const timeout = options.timeout ?? this.config.timeout;
    const frame = this.frame('req', id, pattern, data, options);
    this.metrics.countRouted(options.route.kind, 'request');
    const route = options.route;
    if (route.kind === 'entity') {
      const shard = shardOf(route.type, route.key, this.config.shards);
      this.pending.add(
        id,
        { pattern, awaiting: new Set(), target: `shard ${shard}`, callback },
        timeout,
        true,
      );
      this.appendEntity(shard, { ...frame, type: route.type, key: route.key }).catch((error: unknown) =>
        this.pending.fail(id, error as Error, 'error'),
      );
      return () => this.pending.delete(id);
    }
    let targets: readonly string[];
    try {
      targets = routeTargets(route, pattern, this.registry, this.turn++);
    } catch (error) {
      fail(error);
      return () => undefined;
    }
    const target = targets.length === 1 ? `node ${targets[0]}` : `${targets.length} nodes`;
    this.pending.add(id, { pattern, awaiting: new Set(targets), target, callback }, timeout, false);
    for (const node of targets) {
      this.bus.send(node, frame).then(
        (receivers) => {
          if (receivers === 0) {
            this.pending.fail(
              id,
              new TargetUnavailableError(pattern, node, 'it is not listening'),
              'unavailable',
            );
          }
        },
        (error: unknown) => this.pending.fail(id, error as Error, 'error'),
      );
    }
    return () => this.pending.delete(id);
  }

  protected async dispatchEvent<T = undefined>(packet: ReadPacket): Promise<T> {
    const pattern = this.normalizePattern(packet.pattern);
    const { data, options } = this.unpack(packet.data);
    const frame = this.frame('evt', randomUUID(), pattern, data, options);
    this.metrics.countRouted(options.route.kind, 'event');
    const route = options.route;
    if (route.kind === 'entity') {
      await this.appendEntity(shardOf(route.type, route.key, this.config.shards), {
        ...frame,
        type: route.type,
        key: route.key,
      });
      return undefined as T;
    }
    const targets = routeTargets(route, pattern, this.registry, this.turn++);
    const receivers = await Promise.all(targets.map((node) => this.bus.send(node, frame)));
    const missed = targets.filter((_, i) => receivers[i] === 0);
    if (missed.length > 0 && route.kind !== 'all') {
      throw new TargetUnavailableError(pattern, missed.join(', '), 'it is not listening');
    }
    return undefined as T;
  }

  private async appendEntity(shard: number, envelope: EntityEnvelope): Promise<void> {
    const id = await this.streams.append(shard, envelope);
    if (id === null) {
      throw new TargetBusyError(
        envelope.pattern,
        `shard ${shard}`,
        `its stream holds ${this.config.maxShardBacklog} unprocessed messages (maxShardBacklog)`,
      );
    }
  }

  private frame(
    t: MessageFrame['t'],
    id: string,
    pattern: string,
    data: unknown,
    options: ShoalRecordOptions,
  ): MessageFrame {
    const from = this.cluster.self.id;
    return { t, id, from, pattern, data, route: options.route.kind, meta: options.metadata };
  }

  private unpack(payload: unknown): { data: unknown; options: ShoalRecordOptions } {
    if (payload instanceof ShoalRecord) return { data: payload.data, options: payload.options };
    return { data: payload, options: { route: { kind: 'any' } } };
  }
}
