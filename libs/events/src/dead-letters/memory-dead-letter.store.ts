import type { DeadLetter, DeadLetterStore } from './dead-letter.js';

/** Dead letters in memory (memory and Postgres NOTIFY transports). */
export class MemoryDeadLetterStore implements DeadLetterStore {
  private readonly letters: DeadLetter[] = [];
  private next = 1;

  async add(letter: Omit<DeadLetter, 'id'>): Promise<void> {
    this.letters.push({ id: String(this.next++), ...letter });
    if (this.letters.length > 10_000) this.letters.shift();
  }

  async list(options: { handler?: string; limit?: number } = {}): Promise<DeadLetter[]> {
    const matching = this.letters.filter((l) => !options.handler || l.handler === options.handler);
    return matching.slice(-(options.limit ?? 100));
  }

  async take(id: string): Promise<DeadLetter | undefined> {
    const index = this.letters.findIndex((l) => l.id === id);
    return index < 0 ? undefined : this.letters.splice(index, 1)[0];
  }
}
