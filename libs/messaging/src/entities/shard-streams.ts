import type { RedisClient } from '@shoal/cluster';
import { RedisScript } from '@shoal/cluster/internal';
import type { EntityEnvelope, MessagingKeys } from '../bus/frames.js';

/** Appends unless the stream already holds `max` entries. */
const APPEND = new RedisScript<string | null>(`
if redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[1]) then return false end
return redis.call('XADD', KEYS[1], '*', 'm', ARGV[2])`);

/**
 * Starts a term on a shard: records `token` unless a higher one already wrote, and returns the acknowledged
 * position. From then on, writes of older terms are refused.
 */
const CLAIM = new RedisScript<[number, string]>(`
local held = tonumber(redis.call('HGET', KEYS[1], 't:' .. ARGV[1]) or '0')
local token = tonumber(ARGV[2])
if token < held then return {0, ''} end
redis.call('HSET', KEYS[1], 't:' .. ARGV[1], ARGV[2])
return {1, redis.call('HGET', KEYS[1], 'c:' .. ARGV[1]) or '0-0'}`);

/** Acknowledges through `id` if `token` is still the shard's latest, and trims what is acknowledged. */
const ACK = new RedisScript<number>(`
local held = tonumber(redis.call('HGET', KEYS[1], 't:' .. ARGV[1]) or '0')
if tonumber(ARGV[2]) ~= held then return 0 end
redis.call('HSET', KEYS[1], 'c:' .. ARGV[1], ARGV[3])
redis.call('XTRIM', KEYS[2], 'MINID', ARGV[3])
return 1`);

/** One entry read from a shard's stream. */
export interface ShardEntry {
  readonly id: string;
  readonly envelope: EntityEnvelope;
}

/**
 * The durable side of sharded entities: one Redis stream per shard holds its messages in arrival order; a hash
 * holds, per shard, the last acknowledged entry and the fencing token of the term that acknowledged it. An owner
 * resumes right after the last acknowledged entry; an owner whose term is over can no longer acknowledge.
 */
export class ShardStreams {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: MessagingKeys,
    private readonly maxBacklog: number,
  ) {}

  /** Appends a message; `null` when the shard's stream is full (back-pressure). */
  append(shard: number, envelope: EntityEnvelope): Promise<string | null> {
    return APPEND.run(
      this.redis,
      [this.keys.shardStream(shard)],
      [this.maxBacklog, JSON.stringify(envelope)],
    );
  }

  /** Begins term `token`; the acknowledged position, or `null` if a later term already began. */
  async claim(shard: number, token: number): Promise<string | null> {
    const [ok, position] = await CLAIM.run(this.redis, [this.keys.shardCursors], [shard, token]);
    return ok === 1 ? position : null;
  }

  /** Acknowledges entries through `id` under `token`; false when a later term began. */
  async ack(shard: number, token: number, id: string): Promise<boolean> {
    const ok = await ACK.run(
      this.redis,
      [this.keys.shardCursors, this.keys.shardStream(shard)],
      [shard, token, id],
    );
    return ok === 1;
  }

  /** The acknowledged position of `shard` ('0-0' before the first acknowledgement). */
  async position(shard: number): Promise<string> {
    return (await this.redis.hget(this.keys.shardCursors, `c:${shard}`)) ?? '0-0';
  }

  /**
   * Blocking read of several shards after their positions, at most `count` entries each, on a connection that is
   * not shared (it blocks for up to `blockMs`).
   */
  async read(
    reader: RedisClient,
    from: ReadonlyMap<number, string>,
    count: number,
    blockMs: number,
  ): Promise<Map<number, ShardEntry[]>> {
    const shards = [...from.keys()];
    const keys = shards.map((s) => this.keys.shardStream(s));
    const ids = shards.map((s) => from.get(s) as string);
    const reply = (await reader.xread('COUNT', count, 'BLOCK', blockMs, 'STREAMS', ...keys, ...ids)) as
      [string, [string, string[]][]][] | null;
    const result = new Map<number, ShardEntry[]>();
    for (const [key, entries] of reply ?? []) {
      const shard = shards[keys.indexOf(key)];
      result.set(
        shard,
        entries.map(([id, fields]) => ({ id, envelope: JSON.parse(fields[1]) as EntityEnvelope })),
      );
    }
    return result;
  }
}
