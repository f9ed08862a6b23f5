import { createHash } from 'node:crypto';

/** The fixed shard of entity `type`/`key` among `shards`: the same on every node and every version of Shoal. */
export function shardOf(type: string, key: string, shards: number): number {
  const digest = createHash('md5').update(type).update('\u0000').update(key).digest();
  return digest.readUInt32BE(0) % shards;
}

/** The name of shard `shard`'s lease and its key on the rendezvous ring. */
export function shardLeaseName(shard: number): string {
  return `messaging:shard:${shard}`;
}
