import { Logger } from '@nestjs/common';
import { isStoreUnavailableError, type RedisClient } from '@shoal/cluster';
import { dropConnection, streamReaderConnection } from '@shoal/cluster/internal';
import { DeliveryNotDoneError } from '../handling/not-done.error.js';
import { AckBatcher } from './ack-batcher.js';
import type { TransportSubscription } from './event-transport.js';
import { decodeEntry, entriesOf, type StreamEntry } from './stream-codec.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** Decides whether this node may consume an ordered group now (a lease), and keeps work under it. */
export interface ConsumptionGate {
  /** The current term's token when this node may consume, else undefined. */
  activeToken(): number | undefined;
  /** Registers work under the current term, so a handover waits for it. */
  track<T>(work: Promise<T>): Promise<T>;
}

/** Redis says the stream or the group is gone: Redis lost its data (restart, failover, FLUSHALL). */
export function isGroupGone(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return message.startsWith('NOGROUP') || message.startsWith('UNBLOCKED');
}

/**
 * One handler's consumer on one node: reads its group with `XREADGROUP` on a dedicated connection, runs up to
 * `concurrency` deliveries at once, acknowledges after success, and takes over messages left pending by dead or hung
 * consumers. With a gate (ordered handlers), it consumes only while the gate is open, one message at a time, and
 * first takes over everything pending so the stream order holds across handovers.
 */
export class StreamGroupConsumer {
  private readonly logger = new Logger('Shoal:Events');
  private readonly inFlight = new Set<Promise<void>>();
  private reader?: RedisClient;
  private running = false;
  private loopDone?: Promise<void>;
  private activeTerm?: number;
  private healing?: Promise<void>;
  private failingSince?: number;
  private readonly acks: AckBatcher;

  constructor(
    private readonly redis: RedisClient,
    private readonly stream: string,
    private readonly consumer: string,
    private readonly subscription: TransportSubscription,
    private readonly settings: { blockMs: number; claimIdleTime: number },
    private readonly gate?: ConsumptionGate,
  ) {
    this.acks = new AckBatcher(redis, stream, subscription.name, (error, ids) =>
      this.logLeftPending(
        `acknowledging ${ids.length} entr${ids.length === 1 ? 'y' : 'ies'} of ${this.stream} failed,`,
        error,
      ),
    );
  }

  get group(): string {
    return this.subscription.name;
  }

  /** Ordered consumers take over pending messages only through their lease, never by reclaim. */
  get ordered(): boolean {
    return this.gate !== undefined;
  }

  async start(): Promise<void> {
    await this.warnIfNewGroupJoins();
    const latest = this.subscription.startFrom === 'latest';
    await this.ensureGroup(latest ? '$' : '0');
    this.reader = streamReaderConnection(this.redis, `${this.group} reader`);
    this.running = true;
    this.loopDone = this.loop();
  }

  /**
   * Creates the group from the start of what the stream holds (and the stream, if missing) unless it exists.
   * Used at start and to heal after Redis lost its data: nothing published since is skipped.
   * @returns whether it had to be created.
   */
  async ensureGroup(from: '0' | '$' = '0'): Promise<boolean> {
    try {
      await this.redis.xgroup('CREATE', this.stream, this.group, from, 'MKSTREAM');
      return true;
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes('BUSYGROUP')) throw error;
      return false;
    }
  }

  /**
   * A group that is new on a stream other groups already read is usually a renamed handler: say so, with what it is
   * about to replay and how to avoid it.
   */
  private async warnIfNewGroupJoins(): Promise<void> {
    let groups: string[];
    try {
      const info = (await this.redis.xinfo('GROUPS', this.stream)) as unknown[][];
      groups = info.map((fields) => String(fields[fields.indexOf('name') + 1]));
    } catch {
      return; // no stream yet: nothing to replay
    }
    if (groups.length === 0 || groups.includes(this.group)) return;
    const length = await this.redis.xlen(this.stream);
    if (length === 0) return; // nothing to replay: several handlers of one type creating their groups at first start
    const replay =
      this.subscription.startFrom === 'latest'
        ? 'it starts at the end of the stream (startFrom: latest)'
        : `it starts at the beginning and will handle up to ${length} event(s) the stream holds; if it replaces a ` +
          "renamed handler, give it that handler's group name (@OnEvent(..., { group })), or set startFrom: 'latest'";
    this.logger.warn(
      `new consumer group "${this.group}" on ${this.stream}, which groups ${groups.join(', ')} already read: ${replay}`,
    );
  }

  /** Re-creates the group after Redis lost it; one WARN per episode, concurrent callers share the work. */
  heal(): Promise<void> {
    this.healing ??= (async () => {
      try {
        if (await this.ensureGroup()) {
          this.logger.warn(
            `${this.group}: consumer group on ${this.stream} was gone (Redis lost its data); re-created from ` +
              'the start of the stream',
          );
        }
      } finally {
        this.healing = undefined;
      }
    })();
    return this.healing;
  }

  /** Stops reading; waits up to `graceMs` for running deliveries (unfinished ones stay pending for others). */
  async stop(graceMs: number): Promise<void> {
    this.running = false;
    if (this.reader) dropConnection(this.reader);
    // Bounded like everything in shutdown: a read or dispatch stuck on a dead connection must not hold it up.
    await Promise.race([this.loopDone?.catch(() => undefined), sleep(graceMs)]);
    const drained = Promise.allSettled([...this.inFlight]).then(() => this.acks.settled());
    await Promise.race([drained, sleep(graceMs)]);
  }

  /** Takes over what `consumer` (a node that left) still had pending. */
  async reclaimFrom(consumer: string): Promise<number> {
    let total = 0;
    for (;;) {
      const pending = (await this.redis.xpending(this.stream, this.group, '-', '+', 500, consumer)) as [
        string,
      ][];
      if (pending.length === 0) return total;
      total += await this.claim(
        pending.map((p) => p[0]),
        0,
      );
      if (!this.running) return total;
    }
  }

  /** Consumers of this group with pending messages, by name. */
  async consumersWithPending(): Promise<string[]> {
    const info = (await this.redis.xinfo('CONSUMERS', this.stream, this.group)) as unknown[][];
    return info
      .map((fields) => {
        const record: Record<string, unknown> = {};
        for (let i = 0; i < fields.length; i += 2) record[String(fields[i])] = fields[i + 1];
        return record;
      })
      .filter((c) => Number(c.pending) > 0 && c.name !== this.consumer)
      .map((c) => String(c.name));
  }

  /** Takes over messages pending longer than `claimIdleTime` on any consumer (a hung handler). */
  async reclaimIdle(): Promise<void> {
    await this.autoclaim(this.settings.claimIdleTime);
  }

  private async loop(): Promise<void> {
    if (!this.gate) await this.readOwnPending();
    while (this.running) {
      try {
        if (this.gate && !(await this.gateOpen())) continue;
        const free = this.subscription.concurrency - this.inFlight.size;
        if (free <= 0) {
          await Promise.race(this.inFlight);
          continue;
        }
        const reply = await this.reader!.xreadgroup(
          'GROUP',
          this.group,
          this.consumer,
          'COUNT',
          free,
          'BLOCK',
          this.settings.blockMs,
          'STREAMS',
          this.stream,
          '>',
        );
        if (this.failingSince !== undefined) {
          this.logger.log(`${this.group}: reading ${this.stream} again`);
          this.failingSince = undefined;
        }
        await this.dispatchAll(entriesOf(reply));
      } catch (error) {
        if (!this.running) return;
        if (isGroupGone(error)) {
          const healed = await this.heal().then(
            () => true,
            () => false,
          );
          if (healed) continue;
        }
        // One line per outage, not one per attempt.
        if (this.failingSince === undefined) {
          this.failingSince = Date.now();
          this.logger.warn(`${this.group}: reading ${this.stream} failed, retrying: ${String(error)}`);
        }
        await sleep(500);
      }
    }
  }

  /** Ordered handlers: consume only while holding the lease; on a new term, first take over everything pending. */
  private async gateOpen(): Promise<boolean> {
    const token = this.gate!.activeToken();
    if (token === undefined) {
      this.activeTerm = undefined;
      await sleep(50);
      return false;
    }
    if (this.activeTerm !== token) {
      this.activeTerm = token;
      await this.autoclaim(0);
    }
    return true;
  }

  private async readOwnPending(): Promise<void> {
    try {
      const reply = await this.redis.xreadgroup(
        'GROUP',
        this.group,
        this.consumer,
        'COUNT',
        1000,
        'STREAMS',
        this.stream,
        '0',
      );
      await this.dispatchAll(entriesOf(reply));
    } catch (error) {
      if (isGroupGone(error)) await this.heal().catch(() => undefined);
      else this.logger.warn(`${this.group}: reading own pending messages failed: ${String(error)}`);
    }
  }

  private async autoclaim(minIdle: number): Promise<void> {
    let cursor = '0-0';
    do {
      const [next, entries] = (await this.redis.xautoclaim(
        this.stream,
        this.group,
        this.consumer,
        minIdle,
        cursor,
        'COUNT',
        200,
      )) as [string, StreamEntry[]];
      await this.dispatchAll(entries.filter((e) => e && e[1]));
      cursor = next;
    } while (cursor !== '0-0' && this.running);
  }

  private async claim(ids: string[], minIdle: number): Promise<number> {
    const entries = (await this.redis.call(
      'XCLAIM',
      this.stream,
      this.group,
      this.consumer,
      String(minIdle),
      ...ids,
    )) as StreamEntry[];
    await this.dispatchAll(entries.filter((e) => e && e[1]));
    return entries.length;
  }

  private async dispatchAll(entries: StreamEntry[]): Promise<void> {
    for (const entry of entries) {
      while (this.inFlight.size >= this.subscription.concurrency) await Promise.race(this.inFlight);
      const work = this.handle(entry);
      if (!work) continue; // done (and its acknowledgement queued) synchronously
      // `then` with the same callback twice rather than `finally`: one promise per delivery instead of three.
      const done = (): void => {
        this.inFlight.delete(tracked);
      };
      const tracked = (this.gate ? this.gate.track(work) : work).then(done, done);
      this.inFlight.add(tracked);
      if (this.gate) await tracked; // ordered: one at a time, in stream order
    }
  }

  /**
   * Delivers one entry and acknowledges it once done. Returns `undefined` when that all happened synchronously (a
   * handler that returned no promise: no promise is made for the event); an ordered consumer's work also waits for
   * the acknowledgement, so a handover never finds it pending.
   */
  private handle([id, fields]: StreamEntry): Promise<void> | undefined {
    const envelope = decodeEntry(fields);
    if (!envelope) {
      this.logger.error(
        `${this.group}: entry ${id} of ${this.stream} is not an event envelope; acknowledged`,
      );
      return this.acknowledge(id);
    }
    let delivery: Promise<void> | undefined;
    try {
      delivery = this.subscription.deliver(envelope);
    } catch (error) {
      this.leavePending(id, error);
      return undefined;
    }
    return delivery ? this.afterDelivery(id, delivery) : this.acknowledge(id);
  }

  private async afterDelivery(id: string, delivery: Promise<void>): Promise<void> {
    try {
      await delivery;
    } catch (error) {
      this.leavePending(id, error);
      return;
    }
    await this.acknowledge(id);
  }

  /** The delivery did not finish: the entry stays pending, for this group to deliver again. */
  private leavePending(id: string, error: unknown): void {
    if (error instanceof DeliveryNotDoneError) return;
    this.logLeftPending(id, error);
  }

  /** Says `what` was left pending for redelivery: at debug level during an outage, which the read loop already reported once. */
  private logLeftPending(what: string, error: unknown): void {
    const log = isStoreUnavailableError(error) ? 'debug' : 'warn';
    this.logger[log](`${this.group}: ${what} left pending for redelivery: ${String(error)}`);
  }

  private acknowledge(id: string): Promise<void> | undefined {
    this.acks.ack(id);
    return this.gate ? this.acks.settled() : undefined;
  }
}
