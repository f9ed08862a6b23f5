import type { CacheConfig } from '../cache-config.js';
import type { CacheEntryOptions } from '../cache-types.js';
import type { EngineView } from './cache-engine.js';
import { l2ItemKey } from './cache-keys.js';
import type { L2Read } from './lookup-probe.js';
import type { L1Entry, L1Fill } from './lru-l1.driver.js';

/** What the L2 fast path found: a value to serve, or the read to hand to BentoCache (it decides). */
export type ReadThrough = { readonly value: unknown } | { readonly read: L2Read };

/**
 * The TTL BentoCache 1.6 gives L1 when it copies a value read from L2 (its "physical" TTL: the grace period when
 * there is one, else the TTL), with the call's options over the module's; `undefined`: no expiry.
 */
export function l1FillTtl(config: CacheConfig, options: CacheEntryOptions): number | undefined {
  const grace = options.grace !== undefined ? options.grace : config.grace;
  if (grace !== false && grace > 0) return grace;
  return options.ttl ?? config.ttl;
}

function isEntry(parsed: unknown): parsed is L1Entry {
  return (
    typeof parsed === 'object' &&
    parsed !== null &&
    'value' in parsed &&
    typeof (parsed as { createdAt?: unknown }).createdAt === 'number'
  );
}

/**
 * The L2 fast path, for a key L1 does not hold: one `GET`, one `JSON.parse`. A fresh entry (untagged, or whose
 * tags L1 knows were not invalidated since) is served and copied to L1 as BentoCache would — unless the key was
 * written, deleted or cleared here while the `GET` was in flight (then it is served but not kept: the
 * invalidation wins). Anything else (nothing there, stale in grace, a tag in doubt, an error, an entry that does
 * not parse) is handed back for BentoCache to decide, without a second round trip when passed on as prefetched.
 */
export function readThrough(
  view: EngineView,
  key: string,
  fillTtl: number | undefined,
): Promise<ReadThrough> | ReadThrough {
  const l2 = view.l2;
  if (l2 === undefined) return { read: { raw: undefined } };
  const fill = view.l1.beginFill(key);
  // `.then` rather than an async function: one promise and one hop less on every L2 hit.
  return l2.read(l2ItemKey(view.prefix, key)).then(
    (raw) => settle(view, fill, raw ?? undefined, fillTtl),
    (error: unknown) => {
      view.l1.abandonFill(fill);
      return { read: { error } };
    },
  );
}

function settle(
  view: EngineView,
  fill: L1Fill,
  raw: string | undefined,
  fillTtl: number | undefined,
): ReadThrough {
  let entry: unknown;
  try {
    entry = raw === undefined ? undefined : JSON.parse(raw);
  } catch {
    entry = undefined;
  }
  if (!isEntry(entry)) {
    view.l1.abandonFill(fill);
    return { read: { raw } };
  }
  return view.l1.fill(fill, entry, fillTtl) ?? { read: { raw } };
}
