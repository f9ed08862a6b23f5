import type { EventEnvelope } from '../envelope/event-envelope.js';

/** An event a handler gave up on. */
export interface DeadLetter {
  /** Id in the dead-letter store. */
  readonly id: string;
  /** The handler (consumer group) that failed. */
  readonly handler: string;
  readonly envelope: EventEnvelope;
  readonly error: string;
  readonly attempts: number;
  readonly failedAt: string;
}

/** Where dead letters are kept. Redis: a stream; memory: a list. */
export interface DeadLetterStore {
  add(letter: Omit<DeadLetter, 'id'>): Promise<void>;
  /** Newest last. */
  list(options?: { handler?: string; limit?: number }): Promise<DeadLetter[]>;
  /** Removes and returns one (for replay). */
  take(id: string): Promise<DeadLetter | undefined>;
}
