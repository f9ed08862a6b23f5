import { InvalidRouteError } from '../errors/invalid-route.error.js';
import { ShoalRecord } from './shoal-record.js';
import type { ShoalRoute } from './shoal-route.js';

function nonEmpty(value: string, what: string): string {
  if (typeof value !== 'string' || value.length === 0)
    throw new InvalidRouteError(`${what} must be a non-empty string`);
  return value;
}

/**
 * Builds a {@link ShoalRecord}: the payload and where it goes, as Nest's `RmqRecordBuilder` does for RabbitMQ.
 *
 * ```ts
 * client.send('account.deposit', new ShoalRecordBuilder({ amount: 5 }).toEntity('account', id).build());
 * ```
 * Without a route the message goes to any node that handles the pattern.
 */
export class ShoalRecordBuilder<TData> {
  private route: ShoalRoute = { kind: 'any' };
  private timeout?: number;
  private metadata?: Record<string, string>;

  constructor(private data?: TData) {}

  setData(data: TData): this {
    this.data = data;
    return this;
  }

  /** Any one live node with a handler (the default), balanced round-robin. */
  toAny(): this {
    this.route = { kind: 'any' };
    return this;
  }

  /** The node `nodeId`; `TargetUnavailableError` at once if it is not a live member or dies meanwhile. */
  toNode(nodeId: string): this {
    this.route = { kind: 'node', node: nonEmpty(nodeId, 'toNode(nodeId)') };
    return this;
  }

  /** The owner of `key` on the shard ring of listening nodes, at send time (no durability: see `toEntity`). */
  toOwnerOf(key: string): this {
    this.route = { kind: 'owner', key: nonEmpty(key, 'toOwnerOf(key)') };
    return this;
  }

  /** Every live node with a handler. A request emits one answer per node and completes after the last. */
  toAll(): this {
    this.route = { kind: 'all' };
    return this;
  }

  /**
   * The sharded entity `type`/`key`: the message is appended to its shard's durable stream and handled on the
   * shard's owner, one message of the shard at a time in arrival order, with the shard's fencing token in the
   * context. If the owner dies, the next owner handles it and answers.
   */
  toEntity(type: string, key: string): this {
    this.route = {
      kind: 'entity',
      type: nonEmpty(type, 'toEntity(type)'),
      key: nonEmpty(key, 'toEntity(key)'),
    };
    return this;
  }

  /** Request timeout in ms for this message. */
  setTimeout(ms: number): this {
    if (!Number.isInteger(ms) || ms <= 0)
      throw new InvalidRouteError('setTimeout(ms) needs a whole number above 0');
    this.timeout = ms;
    return this;
  }

  /** Headers the handler reads with `ShoalContext.getMetadata()`. */
  setMetadata(metadata: Record<string, string>): this {
    this.metadata = { ...metadata };
    return this;
  }

  build(): ShoalRecord<TData> {
    return new ShoalRecord(this.data as TData, {
      route: this.route,
      timeout: this.timeout,
      metadata: this.metadata,
    });
  }
}
