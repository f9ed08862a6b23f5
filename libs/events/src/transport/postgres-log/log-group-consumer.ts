import { Logger } from '@nestjs/common';
import { isStoreUnavailableError } from '@shoal/cluster';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import type { EventEnvelope } from '../../envelope/event-envelope.js';
import { DeliveryNotDoneError } from '../../handling/not-done.error.js';
import type { TransportSubscription } from '../event-transport.js';
import type { ConsumptionGate } from '../stream-group-consumer.js';
import { eventLogTables } from './event-log.schema.js';
import { advanceQuery, claimInOrderQuery, claimQuery, releaseQuery } from './log-claim-queries.js';
import { LogDoneMarker } from './log-done-marker.js';
import type { LogHorizon } from './log-horizon.js';

/** Settings of a log consumer. */
export interface LogConsumerSettings {
  /** A claim not done after this long is taken over by another node (a hung or dead consumer). */
  readonly claimIdleTime: number;
  /** Polling fallback when no NOTIFY wakes the consumer. */
  readonly pollInterval: number;
}

interface ClaimedRow {
  seq: string;
  envelope: EventEnvelope;
}

/** A claim query's row: null fields say that other nodes took every event there was to claim. */
interface ClaimRow {
  seq: string | null;
  envelope: EventEnvelope | null;
}

interface ReadyRow extends ClaimedRow {
  /** Local time of the claim: a row waiting longer than half of `claimIdleTime` is left to expire for others. */
  claimedAt: number;
}

/** A group consumer keeps up to this many times its concurrency claimed or running. */
const PREFETCH = 4;
/** Events an ordered consumer claims at once (it still delivers them one at a time, in order). */
const ORDERED_BATCH = 16;
/**
 * After losing a claim race (other nodes took every event there was), wake-ups are not acted on for this long: with
 * several nodes, the ones that are not keeping up with the log stop querying it on every NOTIFY.
 */
const LOST_RACE_QUIET_MS = 50;
/** The cursor is moved at most this often (it only shortens the scans; the log's horizon holds it anyway). */
const ADVANCE_INTERVAL_MS = 1000;
/**
 * Claims look for fresh events above the highest one this consumer claimed; this often they scan from the cursor,
 * for an event whose sequence value committed after higher ones (or that another node gave back).
 */
const FULL_SCAN_INTERVAL_MS = 1000;

/**
 * One group handler on one node, on the Postgres event log: claims events of its type above the group's cursor
 * (`INSERT … ON CONFLICT DO NOTHING` into `event_claims`, so each claim goes to one node), keeps up to `concurrency`
 * claimed ahead of the ones running so a busy consumer claims in batches, runs up to `concurrency` at once, marks them
 * done after success (in batches), and moves the cursor over the done prefix. A claim not done within
 * `claimIdleTime` — or whose node left the cluster (`release`) — is taken over. With a gate (ordered handlers): only
 * while the gate has a token, one event at a time, always the lowest ones not done, taken over from a previous
 * holder; a failed delivery or a lost token drops what was claimed after it.
 */
export class LogGroupConsumer {
  private readonly logger = new Logger('Shoal:Events');
  private readonly tables: ReturnType<typeof eventLogTables>;
  private readonly inFlight = new Set<Promise<void>>();
  /** Claimed by this node, not started yet, in `seq` order. */
  private ready: ReadyRow[] = [];
  /** Ordered: the gate's token when `ready` was claimed. */
  private claimedUnder?: number;
  private readonly done: LogDoneMarker;
  private running = false;
  private loopDone?: Promise<void>;
  private wakeUp?: () => void;
  private woken = false;
  private failing = false;
  private lastAdvance = 0;
  private quietUntil = 0;
  /** Every event of the group up to this seq was claimed when this consumer last looked (see `claimQuery`). */
  private claimedUpTo = '0';
  private lastFullScan = 0;

  constructor(
    private readonly dataSource: DataSource,
    schema: string,
    private readonly node: string,
    private readonly subscription: TransportSubscription,
    private readonly settings: LogConsumerSettings,
    /** The cursor never passes it, so a seq that commits after higher ones is never skipped. */
    private readonly horizon: LogHorizon,
    private readonly gate?: ConsumptionGate,
  ) {
    this.tables = eventLogTables(schema);
    this.done = new LogDoneMarker(dataSource, this.tables.claims, subscription.name);
  }

  get group(): string {
    return this.subscription.name;
  }

  get type(): string {
    return this.subscription.type;
  }

  async start(): Promise<void> {
    await this.ensureGroup();
    this.running = true;
    this.loopDone = this.loop();
  }

  /** Something was published for this type (or a claim was freed): look now instead of at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /**
   * Stops claiming and gives back what was claimed but not started; waits up to `graceMs` for running deliveries
   * (unfinished claims expire for others).
   */
  async stop(graceMs: number): Promise<void> {
    this.running = false;
    this.wake();
    const bounded = (work: Promise<unknown>) => Promise.race([work.catch(() => undefined), sleep(graceMs)]);
    await bounded(this.loopDone ?? Promise.resolve());
    const unstarted = this.ready.map((row) => row.seq);
    this.ready = [];
    if (unstarted.length > 0) {
      await bounded(this.dataSource.query(releaseQuery(this.tables), [this.group, unstarted, this.node]));
    }
    await bounded(Promise.allSettled([...this.inFlight]));
  }

  /**
   * Creates the group unless it exists. Its cursor never starts above an event whose transaction is still open (it
   * would be passed over once it commits): with `startFrom: 'earliest'`, below the oldest event of its type and at
   * most at the log's horizon; with `'latest'`, at the horizon, the events of its type committed above it marked done
   * in the same statement.
   */
  private async ensureGroup(): Promise<void> {
    const { groups, claims, log } = this.tables;
    const names = (await this.dataSource.query(`SELECT name FROM ${groups} WHERE type = $1`, [
      this.type,
    ])) as {
      name: string;
    }[];
    if (names.some((n) => n.name === this.group)) return;
    const horizon = (await this.horizon.catchUp()).toString();
    const latest = this.subscription.startFrom === 'latest';
    const created = (await this.dataSource.query(
      latest
        ? `WITH created AS (
             INSERT INTO ${groups} (name, type, cursor) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING RETURNING cursor),
           skipped AS (
             INSERT INTO ${claims} (group_name, seq, node, claimed_until, done)
             SELECT $1, l.seq, $4, now(), true FROM ${log} l
             WHERE l.type = $2 AND l.seq > $3 AND EXISTS (SELECT 1 FROM created)
             ON CONFLICT DO NOTHING)
           SELECT cursor FROM created`
        : `INSERT INTO ${groups} (name, type, cursor)
           SELECT $1, $2, LEAST(COALESCE(min(seq) - 1, $3::bigint), $3::bigint) FROM ${log} WHERE type = $2
           ON CONFLICT (name) DO NOTHING RETURNING cursor`,
      latest ? [this.group, this.type, horizon, this.node] : [this.group, this.type, horizon],
    )) as unknown[];
    const others = names.filter((n) => n.name !== this.group);
    if (created.length > 0 && others.length > 0) {
      this.logger.warn(
        `new consumer group "${this.group}" on ${this.type}, which groups ${others.map((o) => o.name).join(', ')} ` +
          `already read: ${latest ? 'it starts at the end (startFrom: latest)' : "it starts at the oldest event the log holds; if it replaces a renamed handler, give it that group name (@OnEvent(..., { group })), or set startFrom: 'latest'"}`,
      );
    }
  }

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        const more = await this.fill();
        if (this.failing) {
          this.failing = false;
          this.logger.log(`${this.group}: reading the event log again`);
        }
        this.drain();
        await this.advance();
        if (!more) await this.idle();
      } catch (error) {
        if (!this.running) return;
        if (!this.failing)
          this.logger.warn(`${this.group}: reading the event log failed, retrying: ${String(error)}`);
        this.failing = true;
        await sleep(500);
      }
    }
  }

  /**
   * Claims more when what is claimed runs low: up to `PREFETCH × concurrency` claimed or running, once at most half of
   * that is left (ordered: a batch once the
   * previous one is through).
   * @returns whether the log may hold more to claim right away (the claim came back full).
   */
  private async fill(): Promise<boolean> {
    const { concurrency } = this.subscription;
    if (this.gate) {
      const token = this.gate.activeToken();
      if (token === undefined || token !== this.claimedUnder) this.ready = [];
      if (token === undefined || this.ready.length > 0 || this.inFlight.size > 0) return false;
      await this.done.written(); // what this node handled is done before it looks for the lowest event not done
      const { rows } = await this.claim(claimInOrderQuery(this.tables), ORDERED_BATCH);
      if (this.gate.activeToken() !== token) return false;
      this.claimedUnder = token;
      this.ready = rows;
      return false; // the next batch is claimed once this one is through (a finished delivery wakes the loop)
    }
    const held = this.ready.length + this.inFlight.size;
    if (held > (PREFETCH * concurrency) / 2) return false;
    const limit = PREFETCH * concurrency - held;
    const full = Date.now() - this.lastFullScan >= FULL_SCAN_INTERVAL_MS;
    if (full) this.lastFullScan = Date.now();
    const { rows, lostRace } = await this.claim(
      claimQuery(this.tables),
      limit,
      full ? '0' : this.claimedUpTo,
    );
    const last = rows.at(-1);
    if (last && BigInt(last.seq) > BigInt(this.claimedUpTo)) this.claimedUpTo = last.seq;
    if (lostRace) this.quietUntil = Date.now() + LOST_RACE_QUIET_MS;
    this.ready.push(...rows);
    return rows.length >= limit;
  }

  private async claim(
    sql: string,
    limit: number,
    ...extra: string[]
  ): Promise<{ rows: ReadyRow[]; lostRace: boolean }> {
    const claimedAt = Date.now();
    const result = (await this.dataSource.query(sql, [
      this.group,
      this.type,
      this.node,
      this.settings.claimIdleTime,
      limit,
      ...extra,
    ])) as ClaimRow[];
    const rows: ReadyRow[] = [];
    let lostRace = false;
    for (const { seq, envelope } of result) {
      if (seq === null || envelope === null) lostRace = true;
      else rows.push({ seq, envelope, claimedAt });
    }
    return { rows, lostRace };
  }

  /** Starts claimed deliveries while there is room (ordered: only under the token they were claimed with). */
  private drain(): void {
    while (this.running && this.ready.length > 0 && this.inFlight.size < this.subscription.concurrency) {
      if (this.gate && this.gate.activeToken() !== this.claimedUnder) {
        this.ready = [];
        return;
      }
      const row = this.ready.shift()!;
      if (Date.now() - row.claimedAt < this.settings.claimIdleTime / 2) this.dispatch(row);
    }
  }

  /** Waits for a wake-up, a finished delivery (a free slot), or the poll interval. */
  private async idle(): Promise<void> {
    if (!this.woken) {
      const woken = new Promise<void>((resolve) => (this.wakeUp = resolve));
      const slot =
        this.inFlight.size >= this.subscription.concurrency ? Promise.race(this.inFlight) : undefined;
      await Promise.race([woken, sleep(this.settings.pollInterval), ...(slot ? [slot] : [])]);
      this.wakeUp = undefined;
    }
    this.woken = false;
    const quiet = this.quietUntil - Date.now();
    if (quiet > 0 && this.running) await sleep(quiet);
  }

  private dispatch(row: ClaimedRow): void {
    const work = this.deliver(row);
    const tracked = (this.gate ? this.gate.track(work) : work)
      .catch(() => false)
      .then((ok) => {
        if (!ok && this.gate) this.ready = []; // ordered: nothing after an event that is not done
        this.inFlight.delete(tracked);
        this.drain();
        this.wake();
      });
    this.inFlight.add(tracked);
  }

  /**
   * @returns whether the event is done with. An ordered consumer goes on to the next event while the mark is
   * written: the gate tracks the mark (a lease handover waits for it), and the next batch is claimed only once every
   * mark is written.
   */
  private async deliver({ seq, envelope }: ClaimedRow): Promise<boolean> {
    try {
      await this.subscription.deliver(envelope);
      if (this.gate)
        void this.gate.track(this.done.mark(seq)).catch((error: unknown) => this.leftOver(seq, error));
      else await this.done.mark(seq);
      return true;
    } catch (error) {
      if (error instanceof DeliveryNotDoneError) return false; // stays claimed; expires for another node
      this.leftOver(seq, error);
      return false;
    }
  }

  private leftOver(seq: string, error: unknown): void {
    const log = isStoreUnavailableError(error) ? 'debug' : 'warn';
    this.logger[log](`${this.group}: event ${seq} left for redelivery: ${String(error)}`);
  }

  /** Moves the cursor over the done prefix and forgets the claims below it (see `advanceQuery`). */
  private async advance(): Promise<void> {
    if (Date.now() - this.lastAdvance < ADVANCE_INTERVAL_MS) return;
    this.lastAdvance = Date.now();
    const horizon = await this.horizon.current();
    await this.dataSource.query(advanceQuery(this.tables), [this.group, horizon.toString()]);
  }
}
