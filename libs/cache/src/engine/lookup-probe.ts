import { AsyncLocalStorage } from 'node:async_hooks';

/** Which tier served one lookup. `origin`: the factory ran (here, or on another node for a single-flight waiter). */
export type CacheTier = 'l1' | 'l2' | 'origin';

/**
 * Follows one BentoCache call: the L2 driver marks it when it returned the key's value. BentoCache says which
 * tier served a call only through an experimental tracing channel, so Shoal keeps its own account.
 */
export interface LookupProbe {
  readonly l2Key: string;
  l2Hit: boolean;
  /**
   * What Shoal's fast path already read from L2 for `l2Key` (the value, `undefined` for none, or the error): the
   * L2 driver answers BentoCache's next read of that key with it instead of a second round trip.
   */
  prefetched?: L2Read;
}

/** One read of L2 that happened. */
export type L2Read = { readonly raw: string | undefined } | { readonly error: unknown };

export const lookupProbes = new AsyncLocalStorage<LookupProbe>();

/** Called by the L2 driver after a read that found a value. */
export function markL2Read(itemKey: string): void {
  const probe = lookupProbes.getStore();
  if (probe !== undefined && probe.l2Key === itemKey) probe.l2Hit = true;
}

/** The read of `itemKey` the fast path left for this lookup, once (then `undefined`). */
export function takePrefetched(itemKey: string): L2Read | undefined {
  const probe = lookupProbes.getStore();
  if (probe === undefined || probe.l2Key !== itemKey || probe.prefetched === undefined) return undefined;
  const read = probe.prefetched;
  probe.prefetched = undefined;
  return read;
}
