/**
 * Key layout shared by Shoal's drivers and fast paths. BentoCache gives each L2 driver a prefix
 * (`<cluster prefix>:cache:<cache namespace>`, plus `:<namespace>` for `namespace()` views).
 *
 * - L1 (in-process LRU, one per cache, so no prefix): a root key as it is, so a hit hashes the caller's own
 *   string; a `namespace()` key as `\u0001<namespace>\u0001<key>`; a root key that starts with `\u0001` gets one
 *   more in front (namespace names have none, so no two keys meet).
 * - L2 (Redis): `<prefix>:{<key>}`: the hash tag puts the value and its fencing key in one Redis Cluster slot.
 */
export function l1RootKey(key: string): string {
  return key.charCodeAt(0) === 1 ? `\u0001${key}` : key;
}

/** The start of every L1 key of a `namespace()` view. */
export function l1NamespaceStart(namespace: string): string {
  return `\u0001${namespace}\u0001`;
}

export function l2ItemKey(prefix: string, key: string): string {
  return `${prefix}:{${key}}`;
}

export function l2FenceKey(itemKey: string): string {
  return `${itemKey}:fence`;
}

/** Names of `namespace()` views: safe in keys, Redis `SCAN` patterns and NOTIFY channels. */
export const NAMESPACE_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
