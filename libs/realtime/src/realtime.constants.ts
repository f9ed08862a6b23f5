/** Injection token of the validated `RealtimeConfig`. */
export const REALTIME_CONFIG = Symbol('shoal:realtime-config');
/** Injection token of the `PresenceStore` in use. */
export const PRESENCE_STORE = Symbol('shoal:presence-store');
/** Injection token of the `ClusterTransport` (adapter, emitter, query bus) in use. */
export const CLUSTER_TRANSPORT = Symbol('shoal:realtime-transport');
