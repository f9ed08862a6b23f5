import { Inject, Injectable, Logger } from '@nestjs/common';
import { ClusterService } from '@shoal/cluster';
import { withTimeout } from '@shoal/cluster/internal';
import type { Counter } from 'prom-client';
import type { Namespace } from 'socket.io';
import type { BroadcastTarget, RoomEmitter } from './emitters/room-emitter.js';
import { ServerRoomEmitter } from './emitters/server-room-emitter.js';
import { EmitOnlyReplicaError } from './errors/emit-only-replica.error.js';
import { RealtimeRuntime } from './gateway/realtime-runtime.js';
import type { PresenceStore } from './presence/presence-store.js';
import type { QueryAnswer, QueryKind } from './query/socket-query.js';
import { SocketQueries } from './query/socket-queries.js';
import type { BroadcastBackend } from './realtime-broadcast.js';
import { PRESENCE_STORE } from './realtime.constants.js';
import { RealtimeMetrics } from './realtime.metrics.js';

/**
 * Carries out what a `RealtimeBroadcast` asks: emits and room operations through this replica's server or its
 * emitter, cluster-wide queries over the messenger, with metrics.
 */
@Injectable()
export class RealtimeBackend implements BroadcastBackend {
  private readonly logger = new Logger('Shoal:Realtime');
  private emitter?: RoomEmitter;
  private readonly emitCounters = new Map<string, Counter.Internal>();

  constructor(
    private readonly runtime: RealtimeRuntime,
    private readonly queries: SocketQueries,
    private readonly cluster: ClusterService,
    private readonly metrics: RealtimeMetrics,
    @Inject(PRESENCE_STORE) private readonly store: PresenceStore,
  ) {}

  emit(
    target: BroadcastTarget,
    event: string,
    args: readonly unknown[],
    kind: 'room' | 'user' | 'all',
  ): void {
    const emitter = this.emitterFor();
    emitter.emit(target, event, args);
    this.emitCounter(kind, emitter.via).inc();
  }

  userRoom(userId: string): string {
    return this.runtime.config.userRoom(userId);
  }

  socketsJoin(target: BroadcastTarget, rooms: readonly string[]): void {
    this.emitterFor().socketsJoin(target, rooms);
  }

  socketsLeave(target: BroadcastTarget, rooms: readonly string[]): void {
    this.emitterFor().socketsLeave(target, rooms);
  }

  disconnectSockets(target: BroadcastTarget, close: boolean): void {
    this.emitterFor().disconnectSockets(target, close);
  }

  async query(kind: QueryKind, target: BroadcastTarget): Promise<QueryAnswer[]> {
    const own = this.runtime.config.sockets ? [this.runtime.sockets.answer(kind, target)] : [];
    if (target.local) return own;
    const timeout = this.runtime.config.queryTimeout;
    const started = Date.now();
    const targets = await this.socketNodes(timeout);
    const result = await this.queries.ask(
      kind,
      target,
      targets,
      Math.max(1, timeout - (Date.now() - started)),
    );
    if (result.missing.length > 0) {
      this.metrics.partialQueries.inc();
      this.logger.debug(
        `cluster query answered without ${result.missing.join(', ')} (no answer in ${timeout} ms)`,
      );
    }
    return [...own, ...result.answers];
  }

  /** A namespace of this replica's server, prepared (authentication, presence). */
  namespace(name: string): Namespace {
    return this.runtime.prepare(this.runtime.primaryServer().of(name));
  }

  /** Label-bound counters, so an emit does not hash its labels. */
  private emitCounter(kind: 'room' | 'user' | 'all', via: 'server' | 'emitter'): Counter.Internal {
    const key = `${kind}:${via}`;
    let counter = this.emitCounters.get(key);
    if (!counter) {
      counter = this.metrics.emits.labels({ target: kind, via });
      this.emitCounters.set(key, counter);
    }
    return counter;
  }

  private emitterFor(): RoomEmitter {
    if (this.emitter) return this.emitter;
    if (this.runtime.config.sockets) this.emitter = new ServerRoomEmitter((name) => this.namespace(name));
    else if (this.runtime.transport.emitter) this.emitter = this.runtime.transport.emitter;
    else throw new EmitOnlyReplicaError(`Emitting with adapter '${this.runtime.transport.kind}'`);
    return this.emitter;
  }

  /** Live members that serve sockets, except this one; every live member when the presence store does not answer. */
  private async socketNodes(timeoutMs: number): Promise<string[]> {
    const self = this.cluster.self.id;
    try {
      const nodes = await withTimeout(this.store.nodes(), timeoutMs / 2, 'presence nodes');
      return nodes.map((n) => n.nodeId).filter((id) => id !== self && this.cluster.isMember(id));
    } catch {
      return this.cluster
        .members()
        .map((m) => m.id)
        .filter((id) => id !== self);
    }
  }
}
