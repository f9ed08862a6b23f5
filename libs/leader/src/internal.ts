/**
 * What Shoal's own modules share with the leader module: the lease store and one lease's participant. Not part of
 * the public API and not covered by semver — import `@shoal/leader` instead.
 * @packageDocumentation
 */
export { LEADER_CONFIG, LEASE_STORE } from './leader.constants.js';
export type { LeaderConfig } from './leader-config.js';
export { LEASE_NAME_PATTERN } from './leader-config.js';
export type { AcquireResult, LeaseHolder, LeaseRenewal, LeaseStore } from './leases/lease-store.js';
export { BatchingLeaseStore } from './leases/batching-lease-store.js';
export { LeaseParticipant, type LeaseTiming } from './leases/lease-participant.js';
export { LeaseReleases } from './leases/lease-releases.js';
