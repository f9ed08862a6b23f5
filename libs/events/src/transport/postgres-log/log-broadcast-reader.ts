import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import type { EventEnvelope } from '../../envelope/event-envelope.js';
import type { TransportSubscription } from '../event-transport.js';
import { eventLogTables } from './event-log.schema.js';
import type { LogHorizon } from './log-horizon.js';

/** Events one read returns at most, besides the ones delivered already but not behind the horizon yet. */
const READ_LIMIT = 1000;

interface LogRow {
  seq: string;
  /** Null for an event in `recent` (delivered already). */
  envelope: EventEnvelope | null;
  settled: boolean;
}

/**
 * Events above the horizon a start takes as delivered at most. More means a transaction has held the horizon back a
 * long time; the reader then starts at the end of the log as it sees it, and says so.
 */
const MAX_START_BACKLOG = 10_000;

/** Reads of one broadcast handler are at least this far apart while events keep coming. */
const READ_GAP_MS = 20;

/**
 * A broadcast handler on one node, on the Postgres event log: reads its type from the end of the log as it was at
 * start, in `seq` order, one delivery at a time, with its own cursor in memory. Events above the log's horizon are
 * read again until the horizon passes them (a sequence value can commit after a higher one: see `LogHorizon`) and
 * deduplicated, so none is skipped while the node runs.
 */
export class LogBroadcastReader {
  private readonly logger = new Logger('Shoal:Events');
  private readonly log: string;
  /** Every event at or below this seq was delivered (or predates the start). */
  private settledCursor = '0';
  /** Delivered events above the settled cursor (or committed before the start). */
  private readonly recent = new Set<string>();
  private running = false;
  private loopDone?: Promise<void>;
  private wakeUp?: () => void;
  private woken = false;
  private failing = false;
  private lastRead = 0;

  constructor(
    private readonly dataSource: DataSource,
    schema: string,
    private readonly subscription: TransportSubscription,
    private readonly settings: { pollInterval: number },
    private readonly horizon: LogHorizon,
  ) {
    this.log = eventLogTables(schema).log;
  }

  get type(): string {
    return this.subscription.type;
  }

  /**
   * Starts from the end of the log as it is now. The cursor starts at the log's horizon, and the events of its type
   * already committed above it are taken as delivered: an event whose transaction took its `seq` before others that
   * committed already, but commits only after this start, is still delivered.
   */
  async start(): Promise<void> {
    const horizon = await this.horizon.catchUp();
    const rows = (await this.dataSource.query(
      `SELECT seq::text AS seq FROM ${this.log} WHERE type = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [this.type, horizon.toString(), MAX_START_BACKLOG + 1],
    )) as { seq: string }[];
    if (rows.length <= MAX_START_BACKLOG) {
      this.settledCursor = horizon.toString();
      for (const row of rows) this.recent.add(row.seq);
    } else {
      const [last] = (await this.dataSource.query(
        `SELECT COALESCE(max(seq), 0)::text AS seq FROM ${this.log}`,
      )) as {
        seq: string;
      }[];
      this.settledCursor = last.seq;
      this.logger.warn(
        `${this.subscription.name}: a transaction open on the database holds the event log's horizon back; this ` +
          `reader starts at the end of the log, and an event committed later by a transaction older than its start ` +
          `is not broadcast to this node`,
      );
    }
    this.running = true;
    this.loopDone = this.loop();
  }

  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  async stop(graceMs: number): Promise<void> {
    this.running = false;
    this.wake();
    await Promise.race([this.loopDone?.catch(() => undefined), sleep(graceMs)]);
  }

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        this.lastRead = Date.now();
        const horizon = await this.horizon.current();
        const rows = (await this.dataSource.query(
          // Events already delivered but not settled yet come back without their envelope (only to settle them).
          `SELECT l.seq::text AS seq, CASE WHEN l.seq = ANY($4::bigint[]) THEN NULL ELSE l.envelope END AS envelope,
             l.seq <= $3::bigint AS settled
           FROM ${this.log} l WHERE l.type = $1 AND l.seq > $2 ORDER BY l.seq LIMIT $5`,
          [
            this.type,
            this.settledCursor,
            horizon.toString(),
            [...this.recent],
            READ_LIMIT + this.recent.size,
          ],
        )) as LogRow[];
        if (this.failing) {
          this.failing = false;
          this.logger.log(`${this.subscription.name}: reading the event log again`);
        }
        let fresh = 0;
        let settledRun = true;
        for (const row of rows) {
          if (!this.running) return;
          const envelope = row.envelope;
          if (!this.recent.has(row.seq) && envelope) {
            fresh += 1;
            await this.subscription.deliver(envelope)?.catch((error: unknown) => {
              this.logger.warn(
                `${this.subscription.name}: broadcast ${envelope.id} not handled: ${String(error)}`,
              );
            });
          }
          // The cursor moves only over a settled, gapless prefix; newer events stay in `recent`.
          if (settledRun && row.settled) {
            this.settledCursor = row.seq;
            this.recent.delete(row.seq);
          } else {
            settledRun = false;
            this.recent.add(row.seq);
          }
        }
        if (fresh === 0) await this.idle();
      } catch (error) {
        if (!this.running) return;
        if (!this.failing) {
          this.logger.warn(
            `${this.subscription.name}: reading the event log failed, retrying: ${String(error)}`,
          );
        }
        this.failing = true;
        await sleep(500);
      }
    }
  }

  /**
   * Waits for a wake-up or the poll interval, then at least until `READ_GAP_MS` after the previous read began: under
   * a stream of NOTIFYs one read takes several events instead of one read per event.
   */
  private async idle(): Promise<void> {
    if (!this.woken) {
      const woken = new Promise<void>((resolve) => (this.wakeUp = resolve));
      await Promise.race([woken, sleep(this.settings.pollInterval)]);
      this.wakeUp = undefined;
    }
    this.woken = false;
    const gap = this.lastRead + READ_GAP_MS - Date.now();
    if (gap > 0 && this.running) await sleep(gap);
  }
}
