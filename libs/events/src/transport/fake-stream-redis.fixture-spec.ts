import type { RedisClient } from '@shoal/cluster';
import type { EventEnvelope } from '../envelope/event-envelope.js';
import type { StreamEntry } from './stream-codec.js';

interface PendingEntry {
  consumer: string;
  /** On `FakeStreamRedis.now`, the fake clock of idle times. */
  deliveredAt: number;
  deliveries: number;
}

interface Group {
  /** Sequence number of the last entry handed out with `>`. */
  lastDelivered: number;
  readonly pending: Map<string, PendingEntry>;
  readonly consumers: Set<string>;
}

/** What every connection of one fake Redis shares: one stream and its groups. */
class StreamState {
  stream?: { entries: StreamEntry[] };
  readonly groups = new Map<string, Group>();
  readonly arrivals = new Set<() => void>();
  seq = 0;
  now = 0;
}

const seqOf = (id: string) => Number(id.split('-')[0]);

/**
 * The stream and consumer-group commands `StreamGroupConsumer` sends, on one in-memory stream, with Redis's semantics
 * for pending entries, claims and `NOGROUP` after data loss. Idle times run on `now`, a clock the test moves. For
 * unit tests (not part of the build).
 */
export class FakeStreamRedis {
  readonly acked: string[] = [];
  /** The ids of each `XACK`, one array per command. */
  readonly xackCalls: string[][] = [];
  /** The client options Shoal touches (closing turns re-subscription off). */
  readonly options: { autoResubscribe?: boolean } = {};
  private closed = false;
  private readonly blocked = new Set<(error: Error) => void>();

  constructor(private readonly state = new StreamState()) {}

  /** This fake as the client type Shoal takes. */
  asClient(): RedisClient {
    return this as unknown as RedisClient;
  }

  /** Moves the clock of idle times. */
  elapse(ms: number): void {
    this.state.now += ms;
  }

  /** Appends an entry (`XADD`); a valid envelope unless `fields` are given. */
  add(envelope: EventEnvelope | undefined, fields = ['e', JSON.stringify(envelope)]): string {
    this.state.stream ??= { entries: [] };
    const id = `${(this.state.seq += 1)}-0`;
    this.state.stream.entries.push([id, fields]);
    for (const arrival of this.state.arrivals) arrival();
    return id;
  }

  /** Redis lost its data: the stream and its groups are gone, and the next group read fails with `NOGROUP`. */
  loseData(): void {
    this.state.stream = undefined;
    this.state.groups.clear();
  }

  /** Ids pending in `group`, by consumer. */
  pending(group: string): Record<string, string[]> {
    const result: Record<string, string[]> = {};
    for (const [id, entry] of this.state.groups.get(group)?.pending ?? [])
      (result[entry.consumer] ??= []).push(id);
    return result;
  }

  duplicate(): FakeStreamRedis {
    return new FakeStreamRedis(this.state);
  }

  on(): this {
    return this;
  }

  disconnect(): void {
    this.closed = true;
    for (const fail of this.blocked) fail(new Error('Connection is closed.'));
  }

  async xgroup(_command: 'CREATE', _stream: string, group: string, from: '0' | '$'): Promise<'OK'> {
    if (this.state.groups.has(group)) throw new Error('BUSYGROUP Consumer Group name already exists');
    this.state.stream ??= { entries: [] };
    const lastDelivered = from === '$' ? this.state.seq : 0;
    this.state.groups.set(group, { lastDelivered, pending: new Map(), consumers: new Set() });
    return 'OK';
  }

  async xinfo(kind: 'GROUPS' | 'CONSUMERS', _stream: string, group?: string): Promise<unknown[][]> {
    if (!this.state.stream) throw new Error('ERR no such key');
    if (kind === 'GROUPS') return [...this.state.groups.keys()].map((name) => ['name', name]);
    const found = this.group(group!);
    return [...found.consumers].map((name) => [
      'name',
      name,
      'pending',
      [...found.pending.values()].filter((p) => p.consumer === name).length,
    ]);
  }

  async xlen(): Promise<number> {
    return this.state.stream?.entries.length ?? 0;
  }

  async xreadgroup(...args: (string | number)[]): Promise<[string, StreamEntry[]][] | null> {
    const at = (name: string) => args.indexOf(name);
    const [group, consumer] = [String(args[at('GROUP') + 1]), String(args[at('GROUP') + 2])];
    const count = Number(args[at('COUNT') + 1]);
    const block = at('BLOCK') >= 0 ? Number(args[at('BLOCK') + 1]) : undefined;
    const [stream, from] = [String(args[at('STREAMS') + 1]), String(args[at('STREAMS') + 2])];
    for (;;) {
      if (this.closed) throw new Error('Connection is closed.');
      const found = this.group(group);
      found.consumers.add(consumer);
      const entries =
        from === '>' ? this.takeNew(found, consumer, count) : this.ownPending(found, consumer, count);
      if (entries.length > 0) return [[stream, entries]];
      if (block === undefined || from !== '>') return null;
      if (!(await this.waitForArrival(block))) return null;
    }
  }

  async xautoclaim(
    _stream: string,
    group: string,
    consumer: string,
    minIdle: number,
    cursor: string,
    _count: 'COUNT',
    count: number,
  ): Promise<[string, StreamEntry[]]> {
    const found = this.group(group);
    const ids = [...found.pending.keys()]
      .filter((id) => seqOf(id) >= seqOf(cursor))
      .sort((a, b) => seqOf(a) - seqOf(b));
    const claimed = this.claim(found, consumer, minIdle, ids.slice(0, count));
    return [ids.length > count ? ids[count] : '0-0', claimed];
  }

  async call(
    _command: 'XCLAIM',
    _stream: string,
    group: string,
    consumer: string,
    minIdle: string,
    ...ids: string[]
  ) {
    return this.claim(this.group(group), consumer, Number(minIdle), ids);
  }

  async xpending(_stream: string, group: string, _start: '-', _end: '+', count: number, consumer: string) {
    return [...this.group(group).pending]
      .filter(([, p]) => p.consumer === consumer)
      .slice(0, count)
      .map(([id, p]) => [id, p.consumer, this.state.now - p.deliveredAt, p.deliveries]);
  }

  async xack(_stream: string, group: string, ...ids: string[]): Promise<number> {
    const found = this.group(group);
    let acked = 0;
    for (const id of ids) if (found.pending.delete(id)) acked += 1;
    this.acked.push(...ids);
    this.xackCalls.push(ids);
    return acked;
  }

  private group(name: string): Group {
    const found = this.state.groups.get(name);
    if (!found) throw new Error(`NOGROUP No such key or consumer group '${name}'`);
    return found;
  }

  private takeNew(group: Group, consumer: string, count: number): StreamEntry[] {
    const entries = (this.state.stream?.entries ?? [])
      .filter(([id]) => seqOf(id) > group.lastDelivered)
      .slice(0, count);
    for (const [id] of entries) {
      group.pending.set(id, { consumer, deliveredAt: this.state.now, deliveries: 1 });
      group.lastDelivered = seqOf(id);
    }
    return entries;
  }

  private ownPending(group: Group, consumer: string, count: number): StreamEntry[] {
    const ids = [...group.pending].filter(([, p]) => p.consumer === consumer).map(([id]) => id);
    return this.entriesOf(ids).slice(0, count);
  }

  private claim(group: Group, consumer: string, minIdle: number, ids: string[]): StreamEntry[] {
    const claimed: string[] = [];
    for (const id of ids) {
      const entry = group.pending.get(id);
      if (!entry || this.state.now - entry.deliveredAt < minIdle) continue;
      group.pending.set(id, { consumer, deliveredAt: this.state.now, deliveries: entry.deliveries + 1 });
      group.consumers.add(consumer);
      claimed.push(id);
    }
    return this.entriesOf(claimed);
  }

  private entriesOf(ids: string[]): StreamEntry[] {
    const wanted = new Set(ids);
    return (this.state.stream?.entries ?? []).filter(([id]) => wanted.has(id));
  }

  /** Waits for an `XADD` for up to `ms` (real time, like `BLOCK`); false on timeout. */
  private waitForArrival(ms: number): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const done = (value: boolean, error?: Error) => {
        clearTimeout(timer);
        this.state.arrivals.delete(arrived);
        this.blocked.delete(fail);
        if (error) reject(error);
        else resolve(value);
      };
      const arrived = () => done(true);
      const fail = (error: Error) => done(false, error);
      const timer = setTimeout(() => done(false), ms);
      this.state.arrivals.add(arrived);
      this.blocked.add(fail);
    });
  }
}
