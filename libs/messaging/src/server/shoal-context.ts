import { BaseRpcContext } from '@nestjs/microservices';
import type { ShoalRouteKind } from '../routing/shoal-route.js';

/** The entity a sharded message is for, and the term of the shard's owner handling it. */
export interface EntityInfo {
  readonly type: string;
  readonly key: string;
  readonly shard: number;
  /** Fencing token of this node's ownership of the shard: strictly greater than every earlier owner's. */
  readonly token: number;
  /** The fenced resource name of the shard, for `FencingService.transaction(resource, work, token)`. */
  readonly resource: string;
  /** Fires when this node's ownership of the shard ends (handed over, lost, shutdown). */
  readonly signal: AbortSignal;
  /**
   * True when this message activates the entity on this node — its first since the shard came here or since the
   * entity was passivated (see `EntityLifecycle`): load the entity's state now.
   */
  readonly firstMessage: boolean;
}

/** What a handler can learn about the message it handles. */
export interface ShoalMessageInfo {
  /** Stable message id: the same on every delivery of an entity message (use it to deduplicate). */
  readonly id: string;
  /** Node id of the sender. */
  readonly from: string;
  readonly route: ShoalRouteKind;
  readonly metadata: Readonly<Record<string, string>>;
  readonly entity?: EntityInfo;
}

/**
 * The `@Ctx()` of handlers served by the Shoal transport, as `RedisContext` is for `Transport.REDIS`.
 *
 * ```ts
 * @MessagePattern('account.deposit')
 * deposit(@Payload() body: Deposit, @Ctx() ctx: ShoalContext) { const token = ctx.getFencingToken(); ... }
 * ```
 */
export class ShoalContext extends BaseRpcContext<[string, ShoalMessageInfo]> {
  /** The pattern the message was sent with. */
  getPattern(): string {
    return this.args[0];
  }

  getMessageId(): string {
    return this.args[1].id;
  }

  getSender(): string {
    return this.args[1].from;
  }

  getMetadata(): Readonly<Record<string, string>> {
    return this.args[1].metadata;
  }

  /** The entity and shard term, for messages sent with `toEntity`; undefined otherwise. */
  getEntity(): EntityInfo | undefined {
    return this.args[1].entity;
  }

  /**
   * The fencing token of the shard's current owner (this node) — guard every write with it, so a paused owner's
   * late write is refused once the shard moved.
   * @throws Error for messages not sent with `toEntity`.
   */
  getFencingToken(): number {
    const entity = this.args[1].entity;
    if (!entity)
      throw new Error('getFencingToken(): only entity messages (ShoalRecordBuilder.toEntity) have one');
    return entity.token;
  }
}
