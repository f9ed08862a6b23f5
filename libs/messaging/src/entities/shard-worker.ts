import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MessagingMetrics } from '../messaging.metrics.js';
import type { ShardEntry, ShardStreams } from './shard-streams.js';

/** Handles one entry of a shard under the worker's term; resolves when the handler is done (answered or failed). */
export type EntryRunner = (entry: ShardEntry, worker: ShardWorker) => Promise<void>;

/**
 * One term of this node's ownership of one shard: claims the shard with the term's fencing token, then handles the
 * shard's entries one at a time in stream order, acknowledging each after its handler finished. Stops for good when
 * the term ends (signal) or an acknowledgement is refused (a later term began).
 */
export class ShardWorker {
  private readonly logger = new Logger('Shoal:Messaging');
  /** Id of the last entry read (the reader continues after it). */
  position = '0-0';
  private queue: ShardEntry[] = [];
  private claimed = false;
  private stopped = false;
  private running?: Promise<void>;

  constructor(
    readonly shard: number,
    readonly token: number,
    readonly signal: AbortSignal,
    private readonly streams: ShardStreams,
    private readonly run: EntryRunner,
    private readonly readable: () => void,
    private readonly metrics: MessagingMetrics,
  ) {
    signal.addEventListener('abort', () => this.stop(), { once: true });
  }

  /** Claims the shard (refused if a later term began) and resumes after the last acknowledged entry. */
  async start(): Promise<void> {
    let position: string | null = null;
    for (let attempt = 0; !this.stopped; attempt += 1) {
      try {
        position = await this.streams.claim(this.shard, this.token);
        break;
      } catch (error) {
        // Redis unreachable: the lease still holds this term until it cannot be renewed; keep trying until then.
        if (attempt === 0) this.logger.warn(`shard ${this.shard}: claim failed, retrying: ${String(error)}`);
        await sleep(Math.min(1000, 50 * 2 ** attempt));
      }
    }
    if (this.stopped) return;
    if (position === null) {
      this.logger.warn(`shard ${this.shard}: token ${this.token} is older than the shard's; not starting`);
      this.stop();
      return;
    }
    if (this.stopped) return;
    this.position = position;
    this.claimed = true;
    this.readable();
  }

  /** Whether the reader should fetch entries for this shard now (claimed, live, nothing buffered). */
  get wantsEntries(): boolean {
    return this.claimed && !this.stopped && this.queue.length === 0 && !this.running;
  }

  get active(): boolean {
    return !this.stopped;
  }

  push(entries: readonly ShardEntry[]): void {
    if (this.stopped || entries.length === 0) return;
    this.queue.push(...entries);
    this.position = entries[entries.length - 1].id;
    this.metrics.shardBacklog.set({ shard: String(this.shard) }, this.queue.length);
    this.running ??= this.loop().finally(() => {
      this.running = undefined;
      if (!this.stopped) this.readable();
    });
  }

  /** Takes no further entries; the one being handled finishes (see `drain`). */
  stop(): void {
    this.stopped = true;
    this.queue = [];
    this.metrics.shardBacklog.remove({ shard: String(this.shard) });
  }

  /** Resolves when the entry being handled (if any) is done. */
  drain(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  private async loop(): Promise<void> {
    while (this.queue.length > 0 && !this.stopped) {
      const entry = this.queue[0];
      await this.run(entry, this);
      if (this.stopped) return; // the term ended while handling: the next owner redelivers this entry
      try {
        if (!(await this.streams.ack(this.shard, this.token, entry.id))) {
          this.logger.warn(`shard ${this.shard}: a later owner took over; token ${this.token} stops`);
          this.stop();
          return;
        }
      } catch (error) {
        // Not acknowledged now: the next acknowledgement covers it, or the next owner handles it again.
        this.logger.warn(`shard ${this.shard}: acknowledging ${entry.id} failed: ${String(error)}`);
      }
      this.queue.shift();
      this.metrics.shardBacklog.set({ shard: String(this.shard) }, this.queue.length);
    }
  }
}
