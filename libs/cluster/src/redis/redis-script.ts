import { createHash } from 'node:crypto';
import type { RedisClient } from './redis-client.js';

/**
 * A Lua script run with `EVALSHA`, falling back to `EVAL` when the server does not know it (first use, or after a
 * restart or failover). Works on connections Shoal did not create, without defining commands on them.
 */
export class RedisScript<Result> {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(
    redis: RedisClient,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<Result> {
    try {
      return (await redis.evalsha(this.sha, keys.length, ...keys, ...args)) as Result;
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return (await redis.eval(this.source, keys.length, ...keys, ...args)) as Result;
    }
  }
}
