import { Logger } from '@nestjs/common';
import { type RedisClient } from '@shoal/cluster';
import { dropConnection, streamReaderConnection } from '@shoal/cluster/internal';
import type { TransportSubscription } from './event-transport.js';
import { decodeEntry, entriesOf } from './stream-codec.js';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A broadcast handler on one node: reads the type's stream with `XREAD` from the moment it started (no group, no
 * acknowledgement), in order, one delivery at a time. Every node runs its own, so every node sees every event.
 */
export class StreamBroadcastReader {
  private readonly logger = new Logger('Shoal:Events');
  private reader?: RedisClient;
  private running = false;
  private loopDone?: Promise<void>;
  private current?: Promise<void>;
  private lastId = '$';
  private failing = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly stream: string,
    private readonly subscription: TransportSubscription,
    private readonly blockMs: number,
  ) {}

  async start(): Promise<void> {
    // Start from the stream's current end, resolved now, so nothing published after subscribe() is missed.
    const [last] = (await this.redis.xrevrange(this.stream, '+', '-', 'COUNT', 1)) as [string, string[]][];
    this.lastId = last?.[0] ?? '0-0';
    this.reader = streamReaderConnection(this.redis, `${this.subscription.name} reader`);
    this.running = true;
    this.loopDone = this.loop();
  }

  /**
   * After Redis lost its data the stream holds only what was published since (and what the outbox re-publishes):
   * read it from the start, so an id issued by a server whose clock is behind is not skipped. Broadcast handlers may
   * see an event published around the loss twice.
   */
  restartFromBeginning(): void {
    this.lastId = '0-0';
  }

  async stop(graceMs: number): Promise<void> {
    this.running = false;
    if (this.reader) dropConnection(this.reader);
    // Bounded like everything in shutdown: a read or dispatch stuck on a dead connection must not hold it up.
    await Promise.race([this.loopDone?.catch(() => undefined), sleep(graceMs)]);
    if (this.current) await Promise.race([this.current.catch(() => undefined), sleep(graceMs)]);
  }

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        const reply = await this.reader!.xread(
          'COUNT',
          100,
          'BLOCK',
          this.blockMs,
          'STREAMS',
          this.stream,
          this.lastId,
        );
        if (this.failing) {
          this.failing = false;
          this.logger.log(`${this.subscription.name}: reading ${this.stream} again`);
        }
        for (const [id, fields] of entriesOf(reply)) {
          this.lastId = id;
          const envelope = decodeEntry(fields);
          if (!envelope) continue;
          this.current = this.subscription.deliver(envelope)?.catch((error: unknown) => {
            this.logger.warn(
              `${this.subscription.name}: broadcast ${envelope.id} not handled: ${String(error)}`,
            );
          });
          await this.current;
        }
      } catch (error) {
        if (!this.running) return;
        // One line per outage, not one per attempt.
        if (!this.failing) {
          this.failing = true;
          this.logger.warn(
            `${this.subscription.name}: reading ${this.stream} failed, retrying: ${String(error)}`,
          );
        }
        await sleep(500);
      }
    }
  }
}
