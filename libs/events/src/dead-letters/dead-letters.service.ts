import { Inject, Injectable } from '@nestjs/common';
import { DEAD_LETTER_STORE, EVENT_TRANSPORT, REPLAY_FOR_HEADER } from '../events.constants.js';
import type { EventTransport } from '../transport/event-transport.js';
import type { DeadLetter, DeadLetterStore } from './dead-letter.js';

/** Lists and replays events that handlers gave up on. */
@Injectable()
export class DeadLetters {
  constructor(
    @Inject(DEAD_LETTER_STORE) private readonly store: DeadLetterStore,
    @Inject(EVENT_TRANSPORT) private readonly transport: EventTransport,
  ) {}

  /** Dead letters, oldest first (default the last 100), optionally of one handler. */
  list(options: { handler?: string; limit?: number } = {}): Promise<DeadLetter[]> {
    return this.store.list(options);
  }

  /**
   * Publishes a dead letter again, for the handler that failed only (other handlers of the type ignore it), with
   * the same event id, and removes it from the store.
   * @returns false when there is no such dead letter.
   */
  async replay(id: string): Promise<boolean> {
    const letter = await this.store.take(id);
    if (!letter) return false;
    const headers = { ...letter.envelope.headers, [REPLAY_FOR_HEADER]: letter.handler };
    try {
      await this.transport.publish([{ ...letter.envelope, headers }]);
    } catch (error) {
      await this.store.add(letter);
      throw error;
    }
    return true;
  }
}
