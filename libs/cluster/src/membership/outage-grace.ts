/** A store-outage grace as the store records it: store clock, epoch ms. */
export interface OutageGrace {
  /** The grace lasts until then. */
  readonly until: number;
  /** While it lasts, members whose heartbeat is at or after this are neither swept nor hidden. */
  readonly cutoff: number;
}

/**
 * Where a Postgres beat sweeps: members whose heartbeat is older than the returned time are removed.
 *
 * The store-outage grace (the Redis store runs the same rule in Lua, `redis-membership.scripts`): when the store
 * heard no heartbeat from anyone for over half the failure timeout, nobody could reach it (a restart, a failover, a
 * partition of the store). The first heartbeat after the silence records, atomically with itself, a grace until
 * `now + failureTimeout` keeping every member whose heartbeat was at or after `newest - failureTimeout` — the
 * members live when the store went quiet. They are then neither swept nor hidden until the grace ends, which lets
 * every live node beat again first instead of the first one back declaring all the others dead. A node that crashed
 * during the outage is removed up to one failure timeout later than usual.
 */
export function sweepCutoff(now: number, failureTimeoutMs: number, grace: OutageGrace | undefined): number {
  const usual = now - failureTimeoutMs;
  return grace && now < grace.until && grace.cutoff < usual ? grace.cutoff : usual;
}
