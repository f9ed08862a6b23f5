/**
 * Key layout shared by Shoal's drivers and fast paths. BentoCache gives each driver a prefix
 * (`<cluster prefix>:cache:<cache namespace>`, plus `:<namespace>` for `namespace()` views).
 *
 * - L1 (in-process LRU): `<prefix>:<key>`, as BentoCache's memory driver writes it.
 * - L2 (Redis): `<prefix>:{<key>}`: the hash tag puts the value and its fencing key in one Redis Cluster slot.
 */
export function l1ItemKey(prefix: string, key: string): string {
  return `${prefix}:${key}`;
}

export function l2ItemKey(prefix: string, key: string): string {
  return `${prefix}:{${key}}`;
}

export function l2FenceKey(itemKey: string): string {
  return `${itemKey}:fence`;
}

/** Names of `namespace()` views: safe in keys, Redis `SCAN` patterns and NOTIFY channels. */
export const NAMESPACE_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
