import type { EventEnvelope } from '../../envelope/event-envelope.js';

interface Waiting {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Writes the direct publishes of one tick of the event loop to the event log as one statement: every
 * `publish(envelopes)` made in the same tick goes into a single `INSERT` (with its `NOTIFY`), in call order, and each
 * caller's promise settles with it. Each commit carrying a `NOTIFY` is serialized by Postgres (the notification
 * queue's lock is held until the commit is flushed), so under load that is one such commit per batch of publishes
 * instead of one per event; when idle it adds no delay (one `setImmediate`).
 */
export class LogPublishBatcher {
  private envelopes: EventEnvelope[] = [];
  private waiting: Waiting[] = [];
  private scheduled = false;

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
    const envelopes = this.envelopes;
    const waiting = this.waiting;
    this.envelopes = [];
    this.waiting = [];
    this.scheduled = false;
    this.write(envelopes).then(
      () => {
        for (const caller of waiting) caller.resolve();
      },
      (error: unknown) => {
        for (const caller of waiting) caller.reject(error);
      },
    );
  }
}
