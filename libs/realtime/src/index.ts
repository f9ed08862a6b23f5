export { RealtimeModule } from './realtime.module.js';
export type { RealtimeModuleAsyncOptions } from './realtime.module-definition.js';
export {
  REALTIME_DEFAULTS,
  defaultUserRoom,
  type RealtimeAdapterKind,
  type RealtimeAuthenticate,
  type RealtimeModuleOptions,
  type RealtimeUser,
} from './realtime-options.js';
export { RealtimeService } from './realtime.service.js';
export { RealtimeBroadcast } from './realtime-broadcast.js';
export type { RoomEventsOptions } from './sse/sse-streams.js';
export { PresenceService, type UserPresence } from './presence/presence.service.js';
export type { PresenceTotals } from './presence/presence-store.js';
export { MemoryPresenceHub } from './presence/memory-presence.store.js';
export type { ClusterSocket } from './query/socket-query.js';
export type { Handshake } from './gateway/handshake.js';
export { userOf } from './gateway/local-sockets.js';
export { SocketUser } from './decorators/socket-user.decorator.js';
export { RealtimeMetrics } from './realtime.metrics.js';
export { SocketRefusedError } from './errors/socket-refused.error.js';
export { EmitOnlyReplicaError } from './errors/emit-only-replica.error.js';
export { InvalidRealtimeOptionsError } from './errors/invalid-realtime-options.error.js';
