import { Logger } from '@nestjs/common';
import { decodeBusMessage, encodeBusMessage, type BusPayload } from './bus-message.codec.js';

type Handler = (payload: never) => void | Promise<void>;

/** What Shoal observes on a bus besides BentoCache's own handling. */
export interface BusObserver {
  /** A message from another node arrived (after BentoCache applied it to L1). */
  onMessage?(payload: BusPayload): void;
  /** A message of this node went out. */
  onPublished?(payload: BusPayload): void;
  /**
   * The subscription is live again after a disconnection: messages sent meanwhile may be lost, so the owner
   * clears its L1.
   */
  onResubscribed?(): void;
}

/**
 * The part of every Shoal cache bus that BentoCache's bus (`@boringnode/bus` `Transport`) needs: an id to skip
 * our own messages, publish, subscribe per logical channel, reconnect notification. Subclasses move text.
 */
export abstract class CacheBusTransport {
  protected readonly logger = new Logger('Shoal:CacheBus');
  private id?: string;
  private readonly handlers = new Map<string, Handler[]>();
  private readonly reconnectCallbacks: (() => void)[] = [];
  private readonly observers: BusObserver[] = [];
  /** Whether this node receives the others' messages right now; subclasses keep it. */
  protected live = false;

  /**
   * Whether this node receives invalidations right now. While it does not, its L1 may keep a value another node
   * changed (until the subscription is back and L1 is cleared).
   */
  get listening(): boolean {
    return this.live;
  }

  /** Called by BentoCache's bus with its id. */
  setId(id: string): this {
    this.id = id;
    return this;
  }

  /** Called by BentoCache's bus: after a reconnection it re-sends the messages that failed meanwhile. */
  onReconnect(callback: () => void): void {
    this.reconnectCallbacks.push(callback);
  }

  /** Shoal's own hooks (metrics, single-flight wake-ups, L1 clearing). */
  observe(observer: BusObserver): void {
    this.observers.push(observer);
  }

  async publish(channel: string, message: unknown): Promise<void> {
    if (!this.id) throw new Error('the cache bus has no id yet');
    const payload = message as BusPayload;
    await this.send(encodeBusMessage({ channel, busId: this.id, payload }));
    for (const observer of this.observers) observer.onPublished?.(payload);
  }

  async subscribe(channel: string, handler: Handler): Promise<void> {
    const list = this.handlers.get(channel) ?? [];
    list.push(handler);
    this.handlers.set(channel, list);
    await this.listen();
  }

  async unsubscribe(channel: string): Promise<void> {
    this.handlers.delete(channel);
  }

  /** Resolves once this node receives messages (rejects if the first connection fails). */
  ready(): Promise<void> {
    return this.listen();
  }

  abstract disconnect(): Promise<void>;

  /** Sends one encoded message to every node. */
  protected abstract send(text: string): Promise<void>;

  /** Starts receiving (idempotent). */
  protected abstract listen(): Promise<void>;

  /** Subclasses hand every received text here. */
  protected receive(text: string): void {
    const envelope = decodeBusMessage(text);
    if (!envelope) {
      this.logger.debug(`ignoring a malformed cache bus message (${text.length} bytes)`);
      return;
    }
    if (envelope.busId === this.id) return;
    const handlers = this.handlers.get(envelope.channel);
    if (!handlers) return;
    // BentoCache's handler applies the message to L1 synchronously; observers see it applied.
    for (const handler of handlers) void handler(envelope.payload as never);
    for (const observer of this.observers) observer.onMessage?.(envelope.payload);
  }

  /** Subclasses call this once the subscription is live again after a disconnection. */
  protected resubscribed(): void {
    this.live = true;
    for (const observer of this.observers) observer.onResubscribed?.();
    for (const callback of this.reconnectCallbacks) callback();
  }
}
