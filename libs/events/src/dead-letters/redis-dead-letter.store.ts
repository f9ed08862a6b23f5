import type { RedisClient } from '@shoal/cluster';
import type { DeadLetter, DeadLetterStore } from './dead-letter.js';

/** Dead letters in one Redis stream, `<prefix>:events:dead-letters` (trimmed to about 100,000 entries). */
export class RedisDeadLetterStore implements DeadLetterStore {
  private readonly key: string;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    this.key = `${prefix}:events:dead-letters`;
  }

  async add(letter: Omit<DeadLetter, 'id'>): Promise<void> {
    await this.redis.xadd(this.key, 'MAXLEN', '~', '100000', '*', 'letter', JSON.stringify(letter));
  }

  async list(options: { handler?: string; limit?: number } = {}): Promise<DeadLetter[]> {
    const limit = options.limit ?? 100;
    const entries = await this.redis.xrevrange(
      this.key,
      '+',
      '-',
      'COUNT',
      String(options.handler ? 10_000 : limit),
    );
    return entries
      .map(([id, fields]) => this.decode(id, fields))
      .filter((l): l is DeadLetter => l !== undefined && (!options.handler || l.handler === options.handler))
      .slice(0, limit)
      .reverse();
  }

  async take(id: string): Promise<DeadLetter | undefined> {
    const [entry] = await this.redis.xrange(this.key, id, id);
    if (!entry) return undefined;
    const removed = await this.redis.xdel(this.key, id);
    return removed === 1 ? this.decode(entry[0], entry[1]) : undefined;
  }

  private decode(id: string, fields: string[]): DeadLetter | undefined {
    const index = fields.indexOf('letter');
    if (index < 0) return undefined;
    try {
      return { id, ...(JSON.parse(fields[index + 1]) as Omit<DeadLetter, 'id'>) };
    } catch {
      return undefined;
    }
  }
}
