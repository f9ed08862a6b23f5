import type { ShoalRouteKind } from '../routing/shoal-route.js';

/** Errors Shoal itself answers with, besides what the handler's exception filter produced. */
export type TransportRefusal = { readonly code: 'no-handler' | 'busy'; readonly message: string };

/** A request (expects replies) or an event, addressed to one node's channel. */
export interface MessageFrame {
  readonly t: 'req' | 'evt';
  /** Request id (replies carry it); for events an id for the handler's context. */
  readonly id: string;
  /** Node id of the sender, whose channel gets the replies. */
  readonly from: string;
  readonly pattern: string;
  readonly data: unknown;
  readonly route: ShoalRouteKind;
  readonly meta?: Readonly<Record<string, string>>;
}

/** One reply packet of a request, as Nest's `WritePacket`, plus who sent it. */
export interface ReplyFrame {
  readonly t: 'res';
  readonly id: string;
  readonly from: string;
  readonly response?: unknown;
  readonly err?: unknown;
  readonly disposed?: boolean;
  readonly refusal?: TransportRefusal;
}

export type Frame = MessageFrame | ReplyFrame;

/** A message appended to a shard's stream. */
export interface EntityEnvelope extends MessageFrame {
  readonly type: string;
  readonly key: string;
}

/** The Redis keys and channels of messaging under a cluster prefix. */
export class MessagingKeys {
  constructor(readonly prefix: string) {}

  /** Pub/sub channel of one node: requests, events and replies addressed to it. */
  nodeChannel(nodeId: string): string {
    return `${this.prefix}:msg:node:${nodeId}`;
  }

  /** Hash: node id → patterns it handles. */
  get handlers(): string {
    return `${this.prefix}:msg:handlers`;
  }

  /** Channel announcing that the handler registry changed. */
  get registryChannel(): string {
    return `${this.prefix}:msg:registry`;
  }

  /** Stream of shard `shard` (one hash tag for all shards, so multi-stream reads work on Redis Cluster). */
  shardStream(shard: number): string {
    return `${this.prefix}:msg:{shards}:${shard}`;
  }

  /** Hash of each shard's acknowledged position and the fencing token that wrote it. */
  get shardCursors(): string {
    return `${this.prefix}:msg:{shards}:cursors`;
  }
}
