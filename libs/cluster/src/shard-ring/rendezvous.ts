import { createHash } from 'node:crypto';

/** A 48-bit score of (node, key), uniform and independent per node. */
function score(nodeId: string, key: string): number {
  const digest = createHash('md5').update(nodeId).update('\u0000').update(key).digest();
  return digest.readUIntBE(0, 6);
}

/**
 * Rendezvous (highest random weight) hashing: the owner of `key` is the node with the highest score for it.
 * Every node that sees the same member ids picks the same owner, and a join or leave moves only the keys that
 * go to or come from that node (about 1/N of them).
 *
 * @returns the owning node id, or `undefined` when `nodeIds` is empty.
 */
export function rendezvousOwner(key: string, nodeIds: Iterable<string>): string | undefined {
  let owner: string | undefined;
  let best = -1;
  for (const id of nodeIds) {
    const s = score(id, key);
    if (s > best || (s === best && owner !== undefined && id < owner)) {
      best = s;
      owner = id;
    }
  }
  return owner;
}
