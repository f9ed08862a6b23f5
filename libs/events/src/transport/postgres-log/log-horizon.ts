import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';

/** A snapshot's next transaction id, paired with the sequence's last value read before that snapshot was taken. */
interface Observation {
  readonly xmax: bigint;
  readonly lastSeq: bigint;
}

/** A horizon younger than this is reused instead of asking Postgres again. */
const MAX_AGE_MS = 200;
/** How long `catchUp` waits at most: it waits for the transactions open at the call, and a timeout loses nothing. */
const CATCH_UP_MS = 2000;
/** After a catch-up timed out, the ones that follow within this long do not wait (a long transaction is open). */
const GAVE_UP_MEMORY_MS = 10_000;
/** Observations kept while a long transaction holds the horizon back (dropping old ones only delays it). */
const MAX_OBSERVATIONS = 1000;

/**
 * The horizon of the event log: a `seq` at or below which every sequence value is final — committed and visible,
 * or never to be (rolled back, or skipped). Readers move their cursors only up to it, so an event whose transaction
 * commits after later ones is never passed over, however long that transaction stays open.
 *
 * How it is known, without locks or clocks: every row's transaction takes its id before its `seq` (the column's
 * default, see `eventLogDdl`). Each refresh takes a snapshot and then reads the sequence's last value. A last value
 * `L` read before a snapshot whose `xmax` is `X` covers every `seq ≤ L`: each was taken by a transaction whose id is
 * below `X`. Once a later snapshot's `xmin` (the oldest transaction still running) reaches `X`, all those
 * transactions have ended, so `L` is final. A long write transaction anywhere on the server holds the horizon back
 * (readers scan a little more), and loses nothing.
 */
export class LogHorizon {
  private value = 0n;
  /** The sequence's last value read after the previous snapshot, before the next one. */
  private lastSeqBefore?: bigint;
  private readonly observations: Observation[] = [];
  private refreshedAt = -Infinity;
  private refreshing?: Promise<bigint>;
  private gaveUpAt = -Infinity;

  constructor(
    private readonly dataSource: DataSource,
    /** The qualified name of `event_log.seq`'s sequence. */
    private readonly sequence: string,
  ) {}

  /** The horizon, refreshed if it is older than 200 ms (concurrent callers share one query). */
  async current(): Promise<bigint> {
    if (performance.now() - this.refreshedAt < MAX_AGE_MS) return this.value;
    this.refreshing ??= this.refresh().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /**
   * The horizon once it covers every sequence value taken before this call — as soon as the transactions open at the
   * call have ended, normally within a few refreshes — or, when one stays open past 2 s, as far as it got
   * (possibly 0 on a process that has just started), and then for 10 s the horizon as it is, without waiting.
   * Either way, every `seq` at or below the value returned is final: where to start reading the log from without
   * passing over an event that has yet to commit.
   */
  async catchUp(): Promise<bigint> {
    if (performance.now() - this.gaveUpAt < GAVE_UP_MEMORY_MS) return this.current();
    const deadline = performance.now() + CATCH_UP_MS;
    await this.refreshing; // one that began before this call read the sequence too early
    let target: bigint | undefined;
    for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
      this.refreshing ??= this.refresh().finally(() => (this.refreshing = undefined));
      const value = await this.refreshing;
      target ??= this.lastSeqBefore ?? 0n;
      if (value >= target) return value;
      if (performance.now() >= deadline) {
        this.gaveUpAt = performance.now();
        return value;
      }
      await sleep(pause);
    }
  }

  private async refresh(): Promise<bigint> {
    // One statement: its snapshot is taken when it starts, the sequence is read after that.
    const [row] = (await this.dataSource.query(
      `SELECT pg_snapshot_xmin(s)::text AS xmin, pg_snapshot_xmax(s)::text AS xmax,
              COALESCE(pg_sequence_last_value($1::regclass), 0)::text AS last_seq
       FROM pg_current_snapshot() s`,
      [this.sequence],
    )) as { xmin: string; xmax: string; last_seq: string }[];
    const xmin = BigInt(row.xmin);
    if (this.lastSeqBefore !== undefined) {
      this.observations.push({ xmax: BigInt(row.xmax), lastSeq: this.lastSeqBefore });
      if (this.observations.length > MAX_OBSERVATIONS) this.observations.shift();
    }
    this.lastSeqBefore = BigInt(row.last_seq);
    let final = -1;
    for (let i = 0; i < this.observations.length && this.observations[i].xmax <= xmin; i += 1) final = i;
    if (final >= 0) {
      const { lastSeq } = this.observations[final];
      if (lastSeq > this.value) this.value = lastSeq;
      this.observations.splice(0, final + 1);
    }
    this.refreshedAt = performance.now();
    return this.value;
  }
}
