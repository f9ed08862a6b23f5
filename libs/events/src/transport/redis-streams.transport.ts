import { Logger } from '@nestjs/common';
import { Cluster } from 'ioredis';
import type { RedisClient } from '@shoal/cluster';
import type { EventEnvelope } from '../envelope/event-envelope.js';
import { EventNotReplicatedError } from '../errors/event-not-replicated.error.js';
import type { EventTransport, TransportSubscription } from './event-transport.js';
import { PublishBatcher } from './publish-batcher.js';
import { StreamBroadcastReader } from './stream-broadcast-reader.js';
import { streamKey, xaddArgs } from './stream-codec.js';
import { StreamGroupConsumer, type ConsumptionGate } from './stream-group-consumer.js';

/** Settings of the Redis Streams transport. */
export interface RedisStreamsSettings {
  readonly maxLen: number;
  readonly claimIdleTime: number;
  readonly blockMs: number;
  /** Replicas that must confirm each publish (`WAIT`); 0 or absent: none. */
  readonly waitReplicas?: number;
  /** How long to wait for them, in ms. */
  readonly waitTimeout?: number;
}

/**
 * Events on Redis Streams: one stream per event type (`<prefix>:events:{<type>}`, trimmed to about `maxLen`),
 * one consumer group per `group` handler (competing consumers across nodes, acknowledged after success), and a
 * plain `XREAD` per node for `broadcast` handlers.
 */
export class RedisStreamsTransport implements EventTransport {
  readonly supportsGroups = true;
  private readonly logger = new Logger('Shoal:Events');
  private readonly groups: StreamGroupConsumer[] = [];
  private readonly readers: StreamBroadcastReader[] = [];
  private readonly batcher: PublishBatcher;

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly nodeId: string,
    private readonly settings: RedisStreamsSettings,
    private readonly gateFor: (group: string) => ConsumptionGate | undefined = () => undefined,
  ) {
    this.batcher = new PublishBatcher(redis, String(settings.maxLen));
  }

  async publish(envelopes: readonly EventEnvelope[]): Promise<void> {
    if (envelopes.length === 0) return;
    const waitReplicas = this.settings.waitReplicas ?? 0;
    if (waitReplicas === 0 && !(this.redis instanceof Cluster)) {
      // Standalone or Sentinel: the publishes of one tick share one pipeline, whatever their streams.
      await this.batcher.publish(
        envelopes.map((envelope) => [this.streamOf(envelope), JSON.stringify(envelope)]),
      );
      return;
    }
    // One pipeline per stream: on Redis Cluster each goes to the master of that stream's slot, and a trailing WAIT
    // (no key) goes with it, so it counts the replicas of the master that took these entries.
    const byStream = new Map<string, EventEnvelope[]>();
    for (const envelope of envelopes) {
      const stream = this.streamOf(envelope);
      byStream.set(stream, [...(byStream.get(stream) ?? []), envelope]);
    }
    await Promise.all([...byStream].map(([stream, batch]) => this.publishTo(stream, batch, waitReplicas)));
  }

  private async publishTo(
    stream: string,
    batch: readonly EventEnvelope[],
    waitReplicas: number,
  ): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const envelope of batch)
      pipeline.xadd(stream, ...xaddArgs(String(this.settings.maxLen), JSON.stringify(envelope)));
    const timeout = this.settings.waitTimeout ?? 1000;
    if (waitReplicas > 0) pipeline.wait(waitReplicas, timeout);
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error);
    if (failed?.[0]) throw failed[0];
    if (waitReplicas === 0) return;
    const confirmed = Number(results.at(-1)?.[1] ?? 0);
    if (confirmed < waitReplicas) throw new EventNotReplicatedError(stream, confirmed, waitReplicas, timeout);
  }

  private streamOf(envelope: EventEnvelope): string {
    return streamKey(this.prefix, envelope.type);
  }

  async subscribe(subscription: TransportSubscription): Promise<void> {
    const stream = streamKey(this.prefix, subscription.type);
    if (subscription.scope === 'broadcast') {
      const reader = new StreamBroadcastReader(this.redis, stream, subscription, this.settings.blockMs);
      await reader.start();
      this.readers.push(reader);
      return;
    }
    const gate = subscription.concurrency === 1 ? this.gateFor(subscription.name) : undefined;
    const consumer = new StreamGroupConsumer(
      this.redis,
      stream,
      this.nodeId,
      subscription,
      this.settings,
      gate,
    );
    await consumer.start();
    this.groups.push(consumer);
  }

  /**
   * Takes over the pending messages of consumers that are no longer members. `owns(key)` picks exactly one
   * survivor per (group, dead node), so a message is taken over once.
   */
  async reclaim(isMember: (id: string) => boolean, owns: (key: string) => boolean): Promise<void> {
    for (const group of this.groups) {
      if (group.ordered) continue;
      try {
        for (const consumer of await group.consumersWithPending()) {
          if (isMember(consumer) || !owns(`events:reclaim:${group.group}:${consumer}`)) continue;
          const count = await group.reclaimFrom(consumer);
          if (count > 0)
            this.logger.log(`${group.group}: took over ${count} message(s) pending on ${consumer}`);
        }
        await group.reclaimIdle();
      } catch (error) {
        this.logger.debug(`${group.group}: reclaim failed: ${String(error)}`);
      }
    }
  }

  /**
   * After Redis lost its data: every group is re-created from the start of its stream (consumers also heal on their
   * own at the next read) and broadcast readers read the new streams from their start.
   */
  async recoverFromDataLoss(): Promise<void> {
    for (const reader of this.readers) reader.restartFromBeginning();
    await Promise.all(this.groups.map((group) => group.heal().catch(() => undefined)));
  }

  async stop(graceMs: number): Promise<void> {
    await Promise.all([...this.groups, ...this.readers].map((c) => c.stop(graceMs)));
  }

  async close(): Promise<void> {
    // Readers' dedicated connections are closed by stop().
  }
}
