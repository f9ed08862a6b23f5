import { Logger } from '@nestjs/common';
import type { RedisClient } from '@shoal/cluster';
import { dropConnection, streamReaderConnection } from '@shoal/cluster/internal';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ShardStreams } from './shard-streams.js';
import type { ShardWorker } from './shard-worker.js';

/** How long one blocking read waits for new entries before it looks at the owned shards again. */
const BLOCK_MS = 2000;

/**
 * One blocking `XREAD` over every owned shard that wants entries, on a connection of its own. A change of the set
 * (a shard acquired, a shard's buffer back under its limit) interrupts the read with `CLIENT UNBLOCK`, so new work is fetched
 * at once rather than after the block timeout.
 */
export class ShardReader {
  private readonly logger = new Logger('Shoal:Messaging');
  private connection?: RedisClient;
  private clientId?: number;
  private running = false;
  private blocked = false;
  private unblocking = false;
  private idle?: () => void;
  private loop?: Promise<void>;

  constructor(
    private readonly redis: RedisClient,
    private readonly streams: ShardStreams,
    private readonly batch: number,
    private readonly workers: () => Iterable<ShardWorker>,
  ) {}

  async start(): Promise<void> {
    if (this.running) return;
    this.connection = streamReaderConnection(this.redis, 'shard reader');
    this.clientId = (await this.connection.client('ID')) as number;
    this.running = true;
    this.loop = this.run();
  }

  /** Something changed: read again with the current set of shards. */
  wake(): void {
    if (this.idle) {
      this.idle();
      return;
    }
    if (!this.blocked || this.unblocking || this.clientId === undefined) return;
    this.unblocking = true;
    this.redis.client('UNBLOCK', this.clientId).catch(() => undefined);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake();
    if (this.connection) dropConnection(this.connection);
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const sources = [...this.workers()].filter((w) => w.wantsEntries);
      if (sources.length === 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => done(), BLOCK_MS);
          const done = () => {
            clearTimeout(timer);
            this.idle = undefined;
            resolve();
          };
          this.idle = done;
        });
        continue;
      }
      const from = new Map(sources.map((w) => [w.shard, w.position] as const));
      this.blocked = true;
      try {
        const read = await this.streams.read(this.connection as RedisClient, from, this.batch, BLOCK_MS);
        for (const worker of sources) {
          const entries = read.get(worker.shard);
          if (entries && worker.active && worker.position === from.get(worker.shard)) worker.push(entries);
        }
      } catch (error) {
        if (!this.running) return;
        this.logger.debug(`shard read failed, retrying: ${String(error)}`);
        await sleep(200);
      } finally {
        this.blocked = false;
        this.unblocking = false;
      }
    }
  }
}
