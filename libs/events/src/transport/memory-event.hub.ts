import type { EventEnvelope } from '../envelope/event-envelope.js';
import type { TransportSubscription } from './event-transport.js';

/** Options of a `MemoryEventHub`. */
export interface MemoryEventHubOptions {
  /**
   * Envelopes kept per event type, like a capped stream: a consumer group created later reads from the oldest one
   * kept, and a group that falls this far behind loses the oldest. Default 10,000.
   */
  readonly maxRetainedPerType?: number;
  /** Delay before an envelope whose delivery rejected is delivered again. Default 100 ms. */
  readonly redeliveryDelayMs?: number;
}

/** One subscription of one transport, as the hub sees it. */
export interface MemoryConsumer {
  readonly subscription: TransportSubscription;
  /** Runs one delivery (the transport tracks it); a rejection means "deliver again". */
  run(envelope: EventEnvelope): Promise<void>;
}

/** The capped log of one event type: sequence `s` is at `entries[s % capacity]`. */
class TypeStream {
  private readonly entries: string[] = [];
  private next = 0;

  constructor(private readonly capacity: number) {}

  /** Sequence of the oldest entry kept. */
  get first(): number {
    return Math.max(0, this.next - this.capacity);
  }

  get end(): number {
    return this.next;
  }

  append(raw: string): void {
    this.entries[this.next % this.capacity] = raw;
    this.next += 1;
  }

  at(sequence: number): string {
    return this.entries[sequence % this.capacity];
  }
}

interface ConsumerSlot {
  readonly consumer: MemoryConsumer;
  readonly limit: number;
  running: number;
}

/**
 * Where envelopes wait for their consumers: a consumer group (one line per type and name, reading the type's stream
 * through a cursor, shared by every transport of the hub) or one broadcast subscriber (its own queue). Pull-based: an
 * envelope leaves the line only when a consumer has a free slot, so a stopped consumer never holds queued envelopes.
 */
class DeliveryLine {
  readonly consumers: ConsumerSlot[] = [];
  /** Envelopes whose delivery rejected, ready to go again (before fresh ones). */
  private readonly redeliveries: string[] = [];
  /** Envelopes waiting for their redelivery delay. */
  private delayed = 0;
  private inFlight = 0;
  private roundRobin = 0;
  private scheduled = false;

  constructor(
    private readonly take: () => string | undefined,
    private readonly waiting: () => boolean,
    private readonly redeliveryDelayMs: number,
  ) {}

  /** Nothing queued, waiting for a redelivery, or running: no delivery can happen until something is published. */
  get idle(): boolean {
    return (
      this.inFlight === 0 &&
      this.delayed === 0 &&
      this.redeliveries.length === 0 &&
      (!this.waiting() || this.consumers.length === 0)
    );
  }

  /** Runs `pump` in a microtask: deliveries never start in the caller's stack (e.g. `publish`). */
  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  remove(consumer: MemoryConsumer): void {
    const index = this.consumers.findIndex((slot) => slot.consumer === consumer);
    if (index >= 0) this.consumers.splice(index, 1);
    if (index >= 0 && index < this.roundRobin) this.roundRobin -= 1;
  }

  private pump(): void {
    for (;;) {
      // Concurrency 1 means ordered: one envelope of the line at a time, a rejected one first again.
      if (this.ordered && (this.inFlight > 0 || this.delayed > 0)) return;
      const slot = this.freeSlot();
      if (!slot) return;
      const raw = this.redeliveries.shift() ?? this.take();
      if (raw === undefined) return;
      this.start(slot, raw);
    }
  }

  private get ordered(): boolean {
    return this.consumers.some((slot) => slot.limit === 1);
  }

  /** The next consumer with a free slot, round-robin. */
  private freeSlot(): ConsumerSlot | undefined {
    const count = this.consumers.length;
    for (let step = 0; step < count; step += 1) {
      const index = (this.roundRobin + step) % count;
      const slot = this.consumers[index];
      if (slot.running < slot.limit) {
        this.roundRobin = (index + 1) % count;
        return slot;
      }
    }
    return undefined;
  }

  private start(slot: ConsumerSlot, raw: string): void {
    slot.running += 1;
    this.inFlight += 1;
    let delivery: Promise<void>;
    try {
      // Parsed per delivery: each subscriber gets its own copy, as from a real transport.
      delivery = slot.consumer.run(JSON.parse(raw) as EventEnvelope);
    } catch (error) {
      delivery = Promise.reject(error);
    }
    delivery.then(
      () => this.settle(slot),
      () => {
        this.delayed += 1;
        this.settle(slot);
        const timer = setTimeout(() => {
          this.delayed -= 1;
          this.redeliveries.push(raw);
          this.schedule();
        }, this.redeliveryDelayMs);
        timer.unref();
      },
    );
  }

  private settle(slot: ConsumerSlot): void {
    slot.running -= 1;
    this.inFlight -= 1;
    this.schedule();
  }
}

/**
 * The shared state of in-memory event transports: every `MemoryEventTransport` on the same hub (the nodes of one
 * process) sees the same streams and consumer groups. Tests pass their own hub to keep runs apart.
 *
 * - Group scope: each type is a capped stream (`maxRetainedPerType`, default 10,000 envelopes), kept even when nobody
 *   subscribes yet; a consumer group (type + subscription name) is created at the start of the stream when first
 *   subscribed, lives as long as the hub, and hands each envelope to one of its consumers, round-robin. A rejected
 *   envelope is delivered again after `redeliveryDelayMs`.
 * - Broadcast scope: each subscriber gets every envelope published after it subscribed, in its own queue (dropped
 *   when it stops).
 */
export class MemoryEventHub {
  private readonly maxRetainedPerType: number;
  private readonly redeliveryDelayMs: number;
  private readonly streams = new Map<string, TypeStream>();
  /** type -> subscription name -> group line. */
  private readonly groups = new Map<string, Map<string, DeliveryLine>>();
  /** type -> broadcast subscriber lines with their queues. */
  private readonly broadcasts = new Map<string, Map<DeliveryLine, string[]>>();

  constructor(options: MemoryEventHubOptions = {}) {
    this.maxRetainedPerType = Math.max(1, Math.floor(options.maxRetainedPerType ?? 10_000));
    this.redeliveryDelayMs = Math.max(0, options.redeliveryDelayMs ?? 100);
  }

  /** Appends the envelopes in order; serializes each (a non-JSON payload throws here, as on a real transport). */
  publish(envelopes: readonly EventEnvelope[]): void {
    const raws = envelopes.map((envelope) => JSON.stringify(envelope));
    envelopes.forEach((envelope, index) => {
      this.stream(envelope.type).append(raws[index]);
      for (const [line, queue] of this.broadcasts.get(envelope.type) ?? []) {
        queue.push(raws[index]);
        line.schedule();
      }
    });
    for (const type of new Set(envelopes.map((envelope) => envelope.type))) {
      for (const line of this.groups.get(type)?.values() ?? []) line.schedule();
    }
  }

  /** Starts deliveries to a consumer; returns the function that stops them (running ones finish). */
  attach(consumer: MemoryConsumer): () => void {
    const { type, name, scope, concurrency } = consumer.subscription;
    const limit = Number.isFinite(concurrency) ? Math.max(1, Math.floor(concurrency)) : 1;
    const line =
      scope === 'group' ? this.group(type, name, consumer.subscription.startFrom) : this.broadcast(type);
    line.consumers.push({ consumer, limit, running: 0 });
    line.schedule();
    return () => {
      line.remove(consumer);
      if (scope === 'broadcast') this.broadcasts.get(type)?.delete(line);
    };
  }

  private stream(type: string): TypeStream {
    let stream = this.streams.get(type);
    if (!stream) {
      stream = new TypeStream(this.maxRetainedPerType);
      this.streams.set(type, stream);
    }
    return stream;
  }

  private group(type: string, name: string, startFrom: 'earliest' | 'latest' = 'earliest'): DeliveryLine {
    let byName = this.groups.get(type);
    if (!byName) {
      byName = new Map();
      this.groups.set(type, byName);
    }
    let line = byName.get(name);
    if (!line) {
      const stream = this.stream(type);
      let cursor = startFrom === 'latest' ? stream.end : stream.first;
      line = new DeliveryLine(
        () => {
          cursor = Math.max(cursor, stream.first); // envelopes trimmed while the group lagged are lost
          if (cursor >= stream.end) return undefined;
          cursor += 1;
          return stream.at(cursor - 1);
        },
        () => Math.max(cursor, stream.first) < stream.end,
        this.redeliveryDelayMs,
      );
      byName.set(name, line);
    }
    return line;
  }

  private broadcast(type: string): DeliveryLine {
    const queue: string[] = [];
    const line = new DeliveryLine(
      () => queue.shift(),
      () => queue.length > 0,
      this.redeliveryDelayMs,
    );
    let lines = this.broadcasts.get(type);
    if (!lines) {
      lines = new Map();
      this.broadcasts.set(type, lines);
    }
    lines.set(line, queue);
    return line;
  }

  /**
   * Whether every delivery line is drained: nothing queued for a subscribed consumer, nothing running or waiting for a
   * redelivery. Tests wait on it instead of sleeping before they assert that nothing more arrives.
   */
  get idle(): boolean {
    for (const byName of this.groups.values())
      for (const line of byName.values()) if (!line.idle) return false;
    for (const lines of this.broadcasts.values())
      for (const line of lines.keys()) if (!line.idle) return false;
    return true;
  }

  /** The hub used when none is given. */
  static readonly shared = new MemoryEventHub();
}
