import type { Cluster, Redis } from 'ioredis';

/** A Redis connection as Shoal uses it: standalone / Sentinel (`Redis`) or `Cluster`. */
export type RedisClient = Redis | Cluster;
