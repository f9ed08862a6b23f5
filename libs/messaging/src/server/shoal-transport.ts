import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import {
  Server,
  type CustomTransportStrategy,
  type MessageHandler,
  type WritePacket,
} from '@nestjs/microservices';
import { ClusterService } from '@shoal/cluster';
import { throwError, type Observable } from 'rxjs';
import type { MessageFrame, ReplyFrame, TransportRefusal } from '../bus/frames.js';
import { MessagingBus } from '../bus/messaging-bus.js';
import { EntityLifecycle } from '../entities/entity-lifecycle.js';
import { shardLeaseName } from '../entities/shard-of.js';
import { ShardHost } from '../entities/shard-host.js';
import type { ShardEntry } from '../entities/shard-streams.js';
import type { ShardWorker } from '../entities/shard-worker.js';
import { MESSAGING_CONFIG, SHOAL_TRANSPORT } from '../messaging.constants.js';
import type { MessagingConfig } from '../messaging-config.js';
import { MessagingMetrics } from '../messaging.metrics.js';
import { HandlerRegistry } from '../registry/handler-registry.js';
import { describeError, runEventHandler } from './run-handler.js';
import { ShoalContext, type EntityInfo } from './shoal-context.js';

/**
 * The server side of the Shoal transport (`CustomTransportStrategy`): serves this app's `@MessagePattern` and
 * `@EventPattern` handlers — with their pipes, guards, interceptors and exception filters — to every replica, and
 * runs the entity shards this node owns. Connect it with `MessagingModule.connect(app)`.
 *
 * Back-pressure: past `maxInFlight` running messages, requests are refused with `TargetBusyError` at the caller
 * and events are dropped (counted in `shoal_messaging_handled_total{outcome="busy"}`); entity messages wait in
 * their durable stream instead.
 */
@Injectable()
export class ShoalTransport extends Server implements CustomTransportStrategy, BeforeApplicationShutdown {
  override transportId = SHOAL_TRANSPORT;
  private inFlight = 0;
  private listening = false;
  /** Handlers found by pattern (Nest's lookup parses the pattern as JSON each time). */
  private readonly handlers = new Map<string, MessageHandler>();

  constructor(
    private readonly bus: MessagingBus,
    private readonly registry: HandlerRegistry,
    private readonly shards: ShardHost,
    private readonly lifecycle: EntityLifecycle,
    private readonly cluster: ClusterService,
    private readonly metrics: MessagingMetrics,
    @Inject(MESSAGING_CONFIG) private readonly config: MessagingConfig,
  ) {
    super();
  }

  /** The transport has no status events of its own; membership changes are on `ClusterService.events$`. */
  on(): void {}

  unwrap<T>(): T {
    return this.bus.commands as T;
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      await this.bus.start();
      this.bus.serve((frame) => this.onFrame(frame));
      this.listening = true;
      await this.registry.advertise([...this.messageHandlers.keys()]);
      await this.shards.start((entry, worker) => this.runEntity(entry, worker));
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /** Hands the shards over during the app's shutdown, before connections close. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.close();
  }

  /** Stops taking messages, hands the shards over (running messages finish first) and withdraws from routing. */
  async close(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    await this.registry.withdraw().catch(() => undefined);
    await this.shards.stop();
    this.bus.serve(undefined);
  }

  private handlerFor(pattern: string): MessageHandler | null {
    let handler = this.handlers.get(pattern) ?? null;
    if (!handler) {
      handler = this.getHandlerByPattern(pattern);
      if (handler) this.handlers.set(pattern, handler);
    }
    return handler;
  }

  private onFrame(frame: MessageFrame): void {
    const handler = this.handlerFor(frame.pattern);
    const ctx = new ShoalContext([frame.pattern, this.info(frame)]);
    if (frame.t === 'evt') {
      if (!handler) return this.logger.error(`no event handler for "${frame.pattern}"`);
      if (this.inFlight >= this.config.maxInFlight) {
        this.metrics.countHandled('event', 'busy');
        return;
      }
      this.inFlight += 1;
      void runEventHandler(handler, frame.data, ctx)
        .then(
          () => this.metrics.countHandled('event', 'ok'),
          (error: unknown) => {
            this.metrics.countHandled('event', 'error');
            this.logger.error(`event handler of "${frame.pattern}" failed: ${describeError(error)}`);
          },
        )
        .finally(() => (this.inFlight -= 1));
      return;
    }
    if (!handler) return this.refuse(frame, { code: 'no-handler', message: 'no handler on this node' });
    if (this.inFlight >= this.config.maxInFlight) {
      this.metrics.countHandled('request', 'busy');
      return this.refuse(frame, {
        code: 'busy',
        message: `${this.config.maxInFlight} messages in flight on node ${this.cluster.self.id} (maxInFlight)`,
      });
    }
    this.inFlight += 1;
    this.respond(frame, handler, ctx, () => {
      this.inFlight -= 1;
    });
  }

  /** Runs a request through Nest's pipeline, replying every packet to the caller; `done` after the last one. */
  private respond(frame: MessageFrame, handler: MessageHandler, ctx: ShoalContext, done: () => void): void {
    const kind = frame.route === 'entity' ? 'entity' : 'request';
    let failed = false;
    this.handleRequest(
      ctx,
      async (): Promise<Observable<unknown>> => {
        try {
          return this.transformToObservable(await handler(frame.data, ctx)) as Observable<unknown>;
        } catch (error) {
          return throwError(() => error);
        }
      },
      (packet: WritePacket) => {
        if (packet.err !== undefined) failed = true;
        const reply: ReplyFrame = {
          t: 'res',
          id: frame.id,
          from: this.cluster.self.id,
          response: packet.response,
          err: packet.err,
          disposed: packet.isDisposed,
        };
        // Packets leave in order (the bus batches them per event-loop turn): the message is done once its last
        // packet is queued, without waiting for Redis, so the next one starts at once.
        this.bus
          .send(frame.from, reply)
          .catch((error: unknown) =>
            this.logger.warn(`reply to ${frame.from} lost: ${describeError(error)}`),
          );
        if (packet.isDisposed) {
          this.metrics.countHandled(kind, failed ? 'error' : 'ok');
          done();
        }
      },
    );
  }

  private async runEntity(entry: ShardEntry, worker: ShardWorker): Promise<void> {
    const frame = entry.envelope;
    const firstMessage = await this.lifecycle.begin(frame.type, frame.key, worker.shard);
    try {
      await this.handleEntity(entry, worker, firstMessage);
    } finally {
      this.lifecycle.end(frame.type, frame.key);
    }
  }

  private handleEntity(entry: ShardEntry, worker: ShardWorker, firstMessage: boolean): Promise<void> {
    const frame = entry.envelope;
    const entity: EntityInfo = {
      type: frame.type,
      key: frame.key,
      shard: worker.shard,
      token: worker.token,
      resource: shardLeaseName(worker.shard),
      signal: worker.signal,
      firstMessage,
    };
    const ctx = new ShoalContext([frame.pattern, this.info(frame, entity)]);
    const handler = this.handlerFor(frame.pattern);
    if (!handler) {
      this.logger.error(`no handler for entity message "${frame.pattern}" (acknowledged without handling)`);
      if (frame.t === 'req')
        this.refuse(frame, { code: 'no-handler', message: 'no handler on the shard owner' });
      return Promise.resolve();
    }
    if (frame.t === 'evt') {
      return runEventHandler(handler, frame.data, ctx).then(
        () => this.metrics.countHandled('entity', 'ok'),
        (error: unknown) => {
          this.metrics.countHandled('entity', 'error');
          this.logger.error(`entity event handler of "${frame.pattern}" failed: ${describeError(error)}`);
        },
      );
    }
    return new Promise((resolve) => this.respond(frame, handler, ctx, resolve));
  }

  private refuse(frame: MessageFrame, refusal: TransportRefusal): void {
    const reply: ReplyFrame = { t: 'res', id: frame.id, from: this.cluster.self.id, refusal };
    this.bus.send(frame.from, reply).catch(() => undefined);
  }

  private info(frame: MessageFrame, entity?: EntityInfo) {
    return { id: frame.id, from: frame.from, route: frame.route, metadata: frame.meta ?? {}, entity };
  }
}
