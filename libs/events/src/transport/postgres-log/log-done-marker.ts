import type { DataSource } from 'typeorm';
import { NO_FLUSH_WAIT } from './event-log.schema.js';

interface Waiter {
  readonly seq: string;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Marks one group's claims done in batches: every delivery that finishes while a mark is being written goes out in
 * the next single `UPDATE … WHERE seq = ANY(…)`, and each caller's promise settles with it. The update commits without
 * waiting for the WAL flush: a mark lost in a database crash only means the event is delivered again (at least once).
 */
export class LogDoneMarker {
  private pending: Waiter[] = [];
  private writing?: Promise<void>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly claims: string,
    private readonly group: string,
  ) {}

  /** Resolves once the claim of `seq` is marked done; rejects when the update failed (the claim stays open). */
  mark(seq: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ seq, resolve, reject });
      void this.write();
    });
  }

  /** Resolves once every mark asked for so far is written (or failed). */
  async written(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /** One writer at a time; marks asked for while it writes go out in its next statement. */
  private write(): Promise<void> {
    this.writing ??= this.writeAll().finally(() => {
      this.writing = undefined;
      if (this.pending.length > 0) void this.write();
    });
    return this.writing;
  }

  private async writeAll(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      try {
        await this.dataSource.query(
          `WITH ${NO_FLUSH_WAIT}
             UPDATE ${this.claims} c SET done = true FROM no_flush_wait
             WHERE c.group_name = $1 AND c.seq = ANY($2::bigint[])`,
          [this.group, batch.map((w) => w.seq)],
        );
        for (const waiter of batch) waiter.resolve();
      } catch (error) {
        for (const waiter of batch) waiter.reject(error);
      }
    }
  }
}
