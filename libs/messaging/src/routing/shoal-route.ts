/** Where a message goes. */
export type ShoalRoute =
  /** Any one live node that has a handler for the pattern, balanced round-robin. */
  | { readonly kind: 'any' }
  /** The named node. */
  | { readonly kind: 'node'; readonly node: string }
  /** The node that owns `key` on the shard ring of listening nodes (not durable: the owner at send time). */
  | { readonly kind: 'owner'; readonly key: string }
  /** Every live node with a handler; a request completes when every one has answered. */
  | { readonly kind: 'all' }
  /** The entity `type`/`key`: durable, serial per shard on the shard's owner, fenced. */
  | { readonly kind: 'entity'; readonly type: string; readonly key: string };

export type ShoalRouteKind = ShoalRoute['kind'];
