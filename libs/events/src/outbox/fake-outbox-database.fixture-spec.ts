import type { DataSource } from 'typeorm';
import type { EventEnvelope } from '../envelope/event-envelope.js';

/** One outbox row as the fake holds it. */
export interface FakeOutboxRow {
  readonly id: number;
  readonly aggregateId: string | null;
  readonly envelope: EventEnvelope;
  published: boolean;
  /** Locked by another relay's transaction (`FOR UPDATE`): skipped by `SKIP LOCKED`. */
  lockedElsewhere: boolean;
}

type Listener = (message: { channel: string; payload?: string }) => void;

/**
 * The few statements `OutboxRelay` sends, answered from an in-memory outbox with the semantics of its SQL: a batch of
 * the oldest unpublished rows not locked elsewhere, holding back rows whose aggregate has an older unpublished row
 * outside the batch; updates that take effect only when the transaction commits; one LISTEN connection whose
 * notifications the test sends. For unit tests (not part of the build); the SQL itself is covered by the
 * integration tests.
 */
export class FakeOutboxDatabase {
  readonly rows: FakeOutboxRow[] = [];
  /** Batch queries run (one per relay transaction), transactions rolled back. */
  batches = 0;
  rollbacks = 0;
  private listener?: Listener;

  /** This fake as the `DataSource` the relay takes. */
  asDataSource(): DataSource {
    return this as unknown as DataSource;
  }

  /** A committed outbox row; returns its id. */
  insert(envelope: EventEnvelope, aggregateId: string | null = null): number {
    const id = this.rows.length + 1;
    this.rows.push({ id, aggregateId, envelope, published: false, lockedElsewhere: false });
    return id;
  }

  /** `NOTIFY` on the outbox channel, as the writer does after a commit. */
  notify(channel: string): void {
    this.listener?.({ channel, payload: '' });
  }

  unpublished(): number[] {
    return this.rows.filter((r) => !r.published).map((r) => r.id);
  }

  async transaction<T>(work: (manager: { query: FakeOutboxDatabase['query'] }) => Promise<T>): Promise<T> {
    const staged: (() => void)[] = [];
    try {
      const result = await work({ query: (sql, params) => this.query(sql, params, staged) });
      for (const apply of staged) apply();
      return result;
    } catch (error) {
      this.rollbacks += 1;
      throw error;
    }
  }

  async query(sql: string, params: unknown[] = [], staged?: (() => void)[]): Promise<unknown> {
    if (sql.startsWith('WITH batch AS')) {
      this.batches += 1;
      return this.batch(Number(params[0]));
    }
    if (sql.startsWith('SELECT EXISTS')) return [{ pending: this.rows.some((r) => !r.published) }];
    if (sql.startsWith('UPDATE') && sql.includes('SET published_at = now()')) {
      const ids = new Set((params[0] as string[]).map(Number));
      const apply = () => this.rows.filter((r) => ids.has(r.id)).forEach((r) => (r.published = true));
      if (staged) staged.push(apply);
      else apply();
      return [];
    }
    if (sql.startsWith('DELETE FROM')) return [];
    throw new Error(`FakeOutboxDatabase does not know: ${sql.slice(0, 60)}`);
  }

  /** The shared LISTEN connection asks for a query runner; its client's notifications come from `notify`. */
  createQueryRunner() {
    const client = {
      query: async () => [],
      on: (event: string, listener: Listener) => {
        if (event === 'notification') this.listener = listener;
      },
      off: () => undefined,
    };
    return { isReleased: false, connect: async () => client, release: async () => undefined };
  }

  private batch(limit: number) {
    const batch = this.rows.filter((r) => !r.published && !r.lockedElsewhere).slice(0, limit);
    const inBatch = new Set(batch.map((r) => r.id));
    const mayGo = batch.filter(
      (row) =>
        row.aggregateId === null ||
        !this.rows.some(
          (e) => e.aggregateId === row.aggregateId && !e.published && e.id < row.id && !inBatch.has(e.id),
        ),
    );
    return mayGo.map((row) => ({
      id: String(row.id),
      envelope: row.envelope,
      locked: batch.length,
      redis_epoch: null,
    }));
  }
}
