import type { RedisClient } from '@shoal/cluster';

/**
 * Records every connection `client.duplicate()` makes from now on (a library that duplicates the client it is
 * given keeps those connections to itself), so their owner can close them. Returns the live list.
 */
export function trackDuplicates(client: RedisClient): RedisClient[] {
  const created: RedisClient[] = [];
  const duplicate = client.duplicate.bind(client) as (...args: unknown[]) => RedisClient;
  Object.defineProperty(client, 'duplicate', {
    configurable: true,
    value: (...args: unknown[]) => {
      const copy = duplicate(...args);
      created.push(copy);
      return copy;
    },
  });
  return created;
}
