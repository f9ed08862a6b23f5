/** Injection token of the validated `LeaderConfig`. */
export const LEADER_CONFIG = Symbol('shoal:leader-config');
/** Injection token of the `LeaseStore` in use. */
export const LEASE_STORE = Symbol('shoal:lease-store');
/** The lease every `@Singleton()` follows unless told otherwise. */
export const DEFAULT_LEASE = 'leader';
