import { Logger } from '@nestjs/common';
import { isStoreUnavailableError } from '@shoal/cluster';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import type { EventEnvelope } from '../../envelope/event-envelope.js';
import { DeliveryNotDoneError } from '../../handling/not-done.error.js';
import type { TransportSubscription } from '../event-transport.js';
import type { ConsumptionGate } from '../stream-group-consumer.js';
import { eventLogTables } from './event-log.schema.js';

/** Settings of a log consumer. */
export interface LogConsumerSettings {
  /** A claim not done after this long is taken over by another node (a hung or dead consumer). */
  readonly claimIdleTime: number;
  /** Polling fallback when no NOTIFY wakes the consumer. */
  readonly pollInterval: number;
  /** The cursor never passes events younger than this, so a seq committed late is never skipped. */
  readonly settleMs: number;
}

interface ClaimedRow {
  seq: string;
  envelope: EventEnvelope;
}

/**
 * One group handler on one node, on the Postgres event log: claims events of its type above the group's cursor
 * (`INSERT … ON CONFLICT DO NOTHING` into `event_claims`, so each claim goes to one node), runs up to `concurrency`
 * at once, marks them done after success, and moves the cursor over the done prefix. A claim not done within
 * `claimIdleTime` — or whose node left the cluster (`release`) — is taken over. With a gate (ordered handlers): only
 * while the gate has a token, one event at a time, always the lowest one not done, taking it over from a previous
 * holder.
 */
export class LogGroupConsumer {
  private readonly logger = new Logger('Shoal:Events');
  private readonly tables: ReturnType<typeof eventLogTables>;
  private readonly inFlight = new Set<Promise<void>>();
  private running = false;
  private loopDone?: Promise<void>;
  private wakeUp?: () => void;
  private woken = false;
  private failing = false;
  private lastAdvance = 0;

  constructor(
    private readonly dataSource: DataSource,
    schema: string,
    private readonly node: string,
    private readonly subscription: TransportSubscription,
    private readonly settings: LogConsumerSettings,
    private readonly gate?: ConsumptionGate,
  ) {
    this.tables = eventLogTables(schema);
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

  /** Stops claiming; waits up to `graceMs` for running deliveries (unfinished claims expire for others). */
  async stop(graceMs: number): Promise<void> {
    this.running = false;
    this.wake();
    const bounded = (work: Promise<unknown>) => Promise.race([work.catch(() => undefined), sleep(graceMs)]);
    await bounded(this.loopDone ?? Promise.resolve());
    await bounded(Promise.allSettled([...this.inFlight]));
  }

  private async ensureGroup(): Promise<void> {
    const { groups, log } = this.tables;
    const others = (await this.dataSource.query(`SELECT name FROM ${groups} WHERE type = $1 AND name <> $2`, [
      this.type,
      this.group,
    ])) as { name: string }[];
    const latest = this.subscription.startFrom === 'latest';
    const created = (await this.dataSource.query(
      `INSERT INTO ${groups} (name, type, cursor)
       SELECT $1, $2, COALESCE(${latest ? 'max(seq)' : 'min(seq) - 1'}, 0) FROM ${log} WHERE type = $2
       ON CONFLICT (name) DO NOTHING RETURNING cursor`,
      [this.group, this.type],
    )) as unknown[];
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
        let claimed: ClaimedRow[] = [];
        const free = this.subscription.concurrency - this.inFlight.size;
        if (free > 0 && (!this.gate || this.gate.activeToken() !== undefined)) {
          claimed = this.gate ? await this.claimNext() : await this.claim(free);
        }
        if (this.failing) {
          this.failing = false;
          this.logger.log(`${this.group}: reading the event log again`);
        }
        for (const row of claimed) this.dispatch(row);
        await this.advance();
        if (claimed.length < Math.max(free, 1)) await this.idle();
      } catch (error) {
        if (!this.running) return;
        if (!this.failing)
          this.logger.warn(`${this.group}: reading the event log failed, retrying: ${String(error)}`);
        this.failing = true;
        await sleep(500);
      }
    }
  }

  /** Waits for a wake-up, a finished delivery (a free slot), or the poll interval. */
  private async idle(): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return;
    }
    const woken = new Promise<void>((resolve) => (this.wakeUp = resolve));
    const slot =
      this.inFlight.size >= this.subscription.concurrency ? Promise.race(this.inFlight) : undefined;
    await Promise.race([woken, sleep(this.settings.pollInterval), ...(slot ? [slot] : [])]);
    this.wakeUp = undefined;
    this.woken = false;
  }

  private dispatch(row: ClaimedRow): void {
    const work = this.deliver(row);
    const tracked = (this.gate ? this.gate.track(work) : work).finally(() => {
      this.inFlight.delete(tracked);
      this.wake();
    });
    this.inFlight.add(tracked);
  }

  private async deliver({ seq, envelope }: ClaimedRow): Promise<void> {
    try {
      await this.subscription.deliver(envelope);
      await this.dataSource.query(
        `UPDATE ${this.tables.claims} SET done = true WHERE group_name = $1 AND seq = $2`,
        [this.group, seq],
      );
    } catch (error) {
      if (error instanceof DeliveryNotDoneError) return; // stays claimed; expires for another node
      const log = isStoreUnavailableError(error) ? 'debug' : 'warn';
      this.logger[log](`${this.group}: event ${seq} left for redelivery: ${String(error)}`);
    }
  }

  /** Claims up to `limit` events: expired claims first, then fresh ones above the cursor. */
  private async claim(limit: number): Promise<ClaimedRow[]> {
    const { log, groups, claims } = this.tables;
    return (await this.dataSource.query(
      `WITH g AS (SELECT cursor FROM ${groups} WHERE name = $1),
       expired AS (
         UPDATE ${claims} c SET node = $3, claimed_until = now() + make_interval(secs => $4 / 1000.0)
         WHERE (c.group_name, c.seq) IN (
           SELECT group_name, seq FROM ${claims}
           WHERE group_name = $1 AND NOT done AND claimed_until < now()
           ORDER BY seq LIMIT $5 FOR UPDATE SKIP LOCKED)
         RETURNING c.seq),
       fresh AS (
         INSERT INTO ${claims} (group_name, seq, node, claimed_until)
         SELECT $1, l.seq, $3, now() + make_interval(secs => $4 / 1000.0) FROM ${log} l, g
         WHERE l.type = $2 AND l.seq > g.cursor
           AND NOT EXISTS (SELECT 1 FROM ${claims} c WHERE c.group_name = $1 AND c.seq = l.seq)
         ORDER BY l.seq LIMIT $5
         ON CONFLICT DO NOTHING
         RETURNING seq)
       SELECT l.seq::text AS seq, l.envelope FROM ${log} l
       WHERE l.seq IN (SELECT seq FROM expired UNION ALL SELECT seq FROM fresh) ORDER BY l.seq`,
      [this.group, this.type, this.node, this.settings.claimIdleTime, limit],
    )) as ClaimedRow[];
  }

  /** Ordered: the lowest event not done, taken over from whoever claimed it (this node holds the group's lease). */
  private async claimNext(): Promise<ClaimedRow[]> {
    const { log, groups, claims } = this.tables;
    return (await this.dataSource.query(
      `WITH g AS (SELECT cursor FROM ${groups} WHERE name = $1),
       next AS (
         SELECT l.seq FROM ${log} l, g
         WHERE l.type = $2 AND l.seq > g.cursor
           AND NOT EXISTS (SELECT 1 FROM ${claims} c WHERE c.group_name = $1 AND c.seq = l.seq AND c.done)
         ORDER BY l.seq LIMIT 1),
       claimed AS (
         INSERT INTO ${claims} (group_name, seq, node, claimed_until)
         SELECT $1, seq, $3, now() + make_interval(secs => $4 / 1000.0) FROM next
         ON CONFLICT (group_name, seq) DO UPDATE SET node = EXCLUDED.node, claimed_until = EXCLUDED.claimed_until
         WHERE NOT ${claims}.done
         RETURNING seq)
       SELECT l.seq::text AS seq, l.envelope FROM ${log} l WHERE l.seq IN (SELECT seq FROM claimed)`,
      [this.group, this.type, this.node, this.settings.claimIdleTime],
    )) as ClaimedRow[];
  }

  /**
   * Moves the cursor over the done prefix — but never past an event younger than `settleMs`, since a sequence value
   * can commit after a higher one — and forgets the claims below it. At most every 200 ms.
   */
  private async advance(): Promise<void> {
    if (Date.now() - this.lastAdvance < 200) return;
    this.lastAdvance = Date.now();
    const { log, groups, claims } = this.tables;
    await this.dataSource.query(
      `WITH moved AS (
         UPDATE ${groups} g SET cursor = GREATEST(g.cursor, LEAST(
           COALESCE((SELECT min(l.seq) - 1 FROM ${log} l
                     WHERE l.type = g.type AND l.seq > g.cursor
                       AND NOT EXISTS (SELECT 1 FROM ${claims} c
                                       WHERE c.group_name = g.name AND c.seq = l.seq AND c.done)),
                    9223372036854775806),
           COALESCE((SELECT max(l.seq) FROM ${log} l
                     WHERE l.type = g.type AND l.created_at < now() - make_interval(secs => $2 / 1000.0)),
                    g.cursor)))
         WHERE g.name = $1 RETURNING cursor)
       DELETE FROM ${claims} WHERE group_name = $1 AND seq <= (SELECT cursor FROM moved)`,
      [this.group, this.settings.settleMs],
    );
  }
}
