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
}

export const lookupProbes = new AsyncLocalStorage<LookupProbe>();

/** Called by the L2 driver after a read that found a value. */
export function markL2Read(itemKey: string): void {
  const probe = lookupProbes.getStore();
  if (probe !== undefined && probe.l2Key === itemKey) probe.l2Hit = true;
}
