/** A store-outage grace as the store records it: store clock, epoch ms. */
export interface OutageGrace {
  /** The grace lasts until then. */
  readonly until: number;
  /** While it lasts, members whose heartbeat is at or after this are neither swept nor hidden. */
  readonly cutoff: number;
}

/** Where a beat sweeps, and the grace it must record. */
export interface SweepDecision {
  /** Members whose heartbeat is older than this are removed. */
  readonly cutoff: number;
  /** Set when this beat is the first after an outage: the store must record it for every other node. */
  readonly record?: OutageGrace;
}

/**
 * The store-outage grace of the SQL stores (the Redis store runs the same rule in Lua, `redis-membership.scripts`).
 * When the store heard no heartbeat from anyone for over half the failure timeout, nobody could reach it (a restart,
 * a failover, a partition of the store): the members live when it went quiet are then kept — neither swept nor
 * hidden — for one more failure timeout, which lets every live node beat again first instead of the first one back
 * declaring all the others dead. A node that crashed during the outage is removed up to one failure timeout later.
 *
 * @param lastBeat the newest heartbeat the store holds before this one, `undefined` when it holds none.
 * @param grace the grace recorded so far, if any.
 */
export function sweepCutoff(
  now: number,
  failureTimeoutMs: number,
  lastBeat: number | undefined,
  grace: OutageGrace | undefined,
): SweepDecision {
  const record =
    lastBeat !== undefined && now - lastBeat > failureTimeoutMs / 2
      ? { until: now + failureTimeoutMs, cutoff: lastBeat - failureTimeoutMs }
      : undefined;
  const current = record ?? grace;
  const usual = now - failureTimeoutMs;
  const cutoff = current && now < current.until && current.cutoff < usual ? current.cutoff : usual;
  return { cutoff, record };
}
