import type { RedisClient } from '@shoal/cluster';

/** Outcome of claiming an event id for a handler. */
export type IdempotencyClaim = 'claimed' | 'done' | 'busy';

/**
 * Per-handler dedupe of event ids in Redis: `claim` marks the id as running (expiring, so a crashed handler's
 * claim frees itself), `complete` marks it done for the window. A duplicate delivery of a done event is skipped;
 * one that arrives while another delivery runs is redelivered later. Side effects outside Redis can still repeat
 * if a node dies between the effect and `complete` — use `idempotent: 'postgres'` for exactly-once effects in
 * Postgres.
 */
export class RedisIdempotency {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  async claim(handler: string, eventId: string, runningMs: number): Promise<IdempotencyClaim> {
    const key = this.key(handler, eventId);
    if ((await this.redis.set(key, 'running', 'PX', runningMs, 'NX')) === 'OK') return 'claimed';
    return (await this.redis.get(key)) === 'done' ? 'done' : 'busy';
  }

  async complete(handler: string, eventId: string, windowMs: number): Promise<void> {
    await this.redis.set(this.key(handler, eventId), 'done', 'PX', windowMs);
  }

  async release(handler: string, eventId: string): Promise<void> {
    await this.redis.del(this.key(handler, eventId));
  }

  private key(handler: string, eventId: string): string {
    return `${this.prefix}:events:handled:{${handler}}:${eventId}`;
  }
}
