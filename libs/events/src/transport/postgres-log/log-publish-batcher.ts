import type { EventEnvelope } from '../../envelope/event-envelope.js';

interface Waiting {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Writes direct publishes to the event log in batches, one statement at a time: every `publish(envelopes)` made in
 * the same tick — or while the previous batch was being written — goes into a single `INSERT` (with its `NOTIFY`),
 * in call order, and each caller's promise settles with it. Each commit carrying a `NOTIFY` is serialized by Postgres
 * (the notification queue's lock is held until the commit is flushed), so under load that is one such commit per
 * batch of publishes instead of one per event; when idle it adds no delay (one `setImmediate`).
 */
export class LogPublishBatcher {
  private envelopes: EventEnvelope[] = [];
  private waiting: Waiting[] = [];
  private scheduled = false;
  private writing = false;

  constructor(private readonly write: (envelopes: readonly EventEnvelope[]) => Promise<void>) {}

  /** Resolves once every envelope is committed to the log; rejects when the batch's statement failed. */
  publish(envelopes: readonly EventEnvelope[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      for (const envelope of envelopes) this.envelopes.push(envelope);
      this.waiting.push({ resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    if (this.writing || this.waiting.length === 0) return;
    const envelopes = this.envelopes;
    const waiting = this.waiting;
    this.envelopes = [];
    this.waiting = [];
    this.writing = true;
    this.write(envelopes)
      .then(
        () => {
          for (const caller of waiting) caller.resolve();
        },
        (error: unknown) => {
          for (const caller of waiting) caller.reject(error);
        },
      )
      .finally(() => {
        this.writing = false;
        this.flush(); // what came in meanwhile, as one batch
      });
  }
}
