import type { RedisConnectionOption } from '@shoal/cluster';

function parseHostPorts(name: string, raw: string): { host: string; port: number }[] {
  return raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const at = entry.lastIndexOf(':');
      const host = at > 0 ? entry.slice(0, at) : '';
      const port = Number(entry.slice(at + 1));
      if (host === '' || !Number.isInteger(port) || port <= 0 || port > 65_535) {
        throw new Error(`${name} must be host:port,host:port,..., got "${entry}"`);
      }
      return { host, port };
    });
}

/**
 * The sample's Redis connection from the environment: `REDIS_CLUSTER=host:port,...` (seed nodes of a Redis
 * Cluster), else `REDIS_SENTINELS=host:port,...` with `REDIS_SENTINEL_NAME` (the monitored master's name), else
 * `REDIS_URL` (standalone); `undefined` when none is set (the sample then runs on Postgres alone). Setting both
 * `REDIS_CLUSTER` and `REDIS_SENTINELS` is an error.
 */
export function readRedisOption(env: NodeJS.ProcessEnv): RedisConnectionOption | undefined {
  const cluster = env.REDIS_CLUSTER || undefined;
  const sentinels = env.REDIS_SENTINELS || undefined;
  if (cluster && sentinels) throw new Error('set REDIS_CLUSTER or REDIS_SENTINELS, not both');
  if (cluster) {
    const seeds = parseHostPorts('REDIS_CLUSTER', cluster);
    if (seeds.length === 0) throw new Error('REDIS_CLUSTER names no seed node');
    return { cluster: seeds };
  }
  if (sentinels) {
    const name = env.REDIS_SENTINEL_NAME;
    if (!name) throw new Error('REDIS_SENTINELS needs REDIS_SENTINEL_NAME, the name of the monitored master');
    const nodes = parseHostPorts('REDIS_SENTINELS', sentinels);
    if (nodes.length === 0) throw new Error('REDIS_SENTINELS names no sentinel');
    return { sentinels: nodes, name };
  }
  return env.REDIS_URL || undefined;
}
