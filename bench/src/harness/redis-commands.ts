import type { Redis } from 'ioredis';

/**
 * `total_commands_processed` of `INFO stats`. Redis counts a command after running it, so this INFO is not in
 * its own reply but is in the next one: subtract one per earlier INFO when taking a delta.
 */
export async function commandsProcessed(redis: Redis): Promise<number> {
  const info = await redis.info('stats');
  const match = /^total_commands_processed:(\d+)\r?$/m.exec(info);
  if (!match) throw new Error('INFO stats has no total_commands_processed');
  return Number(match[1]);
}
