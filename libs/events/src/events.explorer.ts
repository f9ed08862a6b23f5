import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { ClusterConnections, ClusterService } from '@shoal/cluster';
import {
  CLUSTER_CONFIG,
  DecoratedMethodExplorer,
  ensurePostgresSchema,
  type ClusterConfig,
} from '@shoal/cluster/internal';
import { LeaderService } from '@shoal/leader';
import type { Subscription } from 'rxjs';
import type { DeadLetterStore } from './dead-letters/dead-letter.js';
import { OnEventMarker } from './decorators/on-event.decorator.js';
import { InvalidEventsOptionsError } from './errors/invalid-events-options.error.js';
import type { EventsConfig } from './events-config.js';
import { DEAD_LETTER_STORE, EVENT_TRANSPORT, EVENTS_CONFIG } from './events.constants.js';
import { EventsMetrics } from './events.metrics.js';
import { EventHandlerInvoker } from './handling/event-handler-invoker.js';
import { PostgresInbox } from './idempotency/postgres-inbox.js';
import { RedisIdempotency } from './idempotency/redis-idempotency.js';
import { eventDefinitionOf } from './integration-event.decorator.js';
import { OutboxEpoch } from './outbox/outbox-epoch.js';
import { OutboxRelay } from './outbox/outbox.relay.js';
import { outboxDdl } from './outbox/outbox-schema.js';
import type { EventTransport, TransportSubscription } from './transport/event-transport.js';
import { PostgresLogTransport } from './transport/postgres-log/postgres-log.transport.js';
import { RedisStreamsTransport } from './transport/redis-streams.transport.js';

/**
 * Wires `@OnEvent` handlers to the transport, runs the outbox relay, and takes over messages of nodes that left.
 * Handlers are checked at start-up: a setup that cannot work stops the app with the reason.
 */
@Injectable()
export class EventsExplorer
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger('Shoal:Events');
  private readonly stopping = new AbortController();
  private readonly subscriptions: TransportSubscription[] = [];
  private relay?: OutboxRelay;
  private membership?: Subscription;
  private dataLoss?: Subscription;
  private reclaimTimer?: NodeJS.Timeout;

  constructor(
    @Inject(EVENTS_CONFIG) private readonly config: EventsConfig,
    @Inject(CLUSTER_CONFIG) private readonly clusterConfig: ClusterConfig,
    @Inject(EVENT_TRANSPORT) private readonly transport: EventTransport,
    @Inject(DEAD_LETTER_STORE) private readonly deadLetters: DeadLetterStore,
    private readonly connections: ClusterConnections,
    private readonly cluster: ClusterService,
    private readonly explorer: DecoratedMethodExplorer,
    private readonly metrics: EventsMetrics,
    @Optional() private readonly leader?: LeaderService,
  ) {}

  async onModuleInit(): Promise<void> {
    const problems: string[] = [];
    const names = new Set<string>();
    const prefix = this.clusterConfig.prefix;
    const redisIdempotency = this.connections.hasRedis
      ? new RedisIdempotency(this.connections.redis(), prefix)
      : undefined;
    const inbox = this.connections.hasPostgres
      ? new PostgresInbox(this.connections.postgres(), prefix, this.config.handlers.idempotencyWindow)
      : undefined;
    for (const method of this.explorer.find(OnEventMarker, '@OnEvent()')) {
      const { event, options } = method.metadata;
      const definition = eventDefinitionOf(event);
      const name = options.group ?? `${method.className}.${method.methodName}`;
      const scope = options.scope ?? 'group';
      const concurrency = options.concurrency ?? this.config.handlers.concurrency;
      const idempotency =
        options.idempotent === 'postgres' ? 'postgres' : options.idempotent ? 'redis' : 'none';
      if (names.has(name))
        problems.push(`two handlers share the group "${name}": give one @OnEvent(..., { group })`);
      names.add(name);
      if (scope === 'group' && !this.transport.supportsGroups) {
        problems.push(
          `${name}: scope 'group' needs the Redis Streams transport (configure redis in ClusterModule)`,
        );
      }
      const distributed =
        this.transport instanceof RedisStreamsTransport || this.transport instanceof PostgresLogTransport;
      if (scope === 'group' && concurrency === 1 && distributed && !this.leader) {
        problems.push(
          `${name}: ordered handlers (concurrency 1) need LeaderModule: import LeaderModule.forRoot(), or pass it ` +
            'in EventBusModule.forRoot({ imports: [...] }) when it is not global',
        );
      }
      if (idempotency === 'postgres' && !inbox)
        problems.push(`${name}: idempotent 'postgres' needs postgres`);
      if (idempotency === 'redis' && !redisIdempotency) problems.push(`${name}: idempotent needs redis`);
      const invoker = new EventHandlerInvoker(
        {
          name,
          definition,
          call: (e, context) => method.call(e, context),
          maxAttempts: options.maxAttempts ?? this.config.handlers.maxAttempts,
          backoff: { ...this.config.handlers.backoff, ...options.backoff },
          idempotency,
          idempotencyWindow: this.config.handlers.idempotencyWindow,
        },
        this.deadLetters,
        this.metrics,
        this.stopping.signal,
        redisIdempotency,
        inbox,
      );
      this.subscriptions.push({
        name,
        type: definition.type,
        scope,
        concurrency: scope === 'broadcast' ? 1 : concurrency,
        startFrom: options.startFrom ?? 'earliest',
        deliver: (envelope) => invoker.deliver(envelope),
      });
    }
    if (problems.length > 0) throw new InvalidEventsOptionsError(problems);
    if (this.connections.hasPostgres && this.config.outbox.createTable) {
      await ensurePostgresSchema(this.connections.postgres(), prefix, outboxDdl(prefix));
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const subscription of this.subscriptions) await this.transport.subscribe(subscription);
    const backend =
      this.transport instanceof RedisStreamsTransport
        ? 'Redis Streams'
        : this.transport instanceof PostgresLogTransport
          ? 'the Postgres event log'
          : 'memory';
    const handlers = this.subscriptions.map((s) => s.name).join(', ');
    this.logger.log(
      `events on ${backend}; ${this.subscriptions.length} handler(s)${handlers ? `: ${handlers}` : ''}`,
    );
    const transport = this.transport;
    const streams = transport instanceof RedisStreamsTransport;
    if (this.connections.hasPostgres && this.config.relay.mode === 'all') {
      const epoch = streams
        ? new OutboxEpoch(
            this.clusterConfig.prefix,
            () => this.cluster.redisEpoch(),
            this.config.relay.recoveryWindow,
            (rows) => this.metrics.replayed.inc(rows),
          )
        : undefined;
      this.relay = new OutboxRelay(
        this.connections.postgres(),
        this.clusterConfig.prefix,
        this.transport,
        this.config.relay,
        this.metrics,
        epoch,
      );
      await this.relay.start();
    }
    if (transport instanceof RedisStreamsTransport) {
      // Redis lost its data: groups come back from the start of their streams, the relay re-publishes at once.
      this.dataLoss = this.cluster.redisDataLoss$.subscribe(() => {
        void transport.recoverFromDataLoss();
        this.relay?.recheckEpoch();
      });
    }
    const reclaimable = transport.reclaim?.bind(transport);
    if (reclaimable) {
      const reclaim = () =>
        void reclaimable(
          (id) => this.cluster.isMember(id),
          (key) => this.cluster.owns(key),
        ).catch((error: unknown) => this.logger.debug(`reclaim failed: ${String(error)}`));
      // Messages of a node that left are taken over as soon as membership says so; the timer covers the rest.
      this.membership = this.cluster.events$.subscribe((event) => {
        if (event.type === 'left') reclaim();
      });
      this.reclaimTimer = setInterval(reclaim, 15_000);
      this.reclaimTimer.unref();
      reclaim();
    }
  }

  /** Stops the relay and intake, then lets running handlers finish within the grace period. */
  async beforeApplicationShutdown(): Promise<void> {
    this.membership?.unsubscribe();
    this.dataLoss?.unsubscribe();
    clearInterval(this.reclaimTimer);
    await this.relay?.stop();
    this.stopping.abort();
    await this.transport.stop(this.config.shutdownGracePeriod);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.transport.close();
  }
}
