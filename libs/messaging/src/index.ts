export { MessagingModule } from './messaging.module.js';
export type { MessagingModuleAsyncOptions } from './messaging.module-definition.js';
export {
  MESSAGING_DEFAULTS,
  type EntityTypeOptions,
  type MessagingModuleOptions,
} from './messaging-options.js';
export { SHOAL_TRANSPORT } from './messaging.constants.js';
export { ShoalClient } from './client/shoal-client.js';
export { ShoalTransport } from './server/shoal-transport.js';
export { ShoalContext, type EntityInfo, type ShoalMessageInfo } from './server/shoal-context.js';
export { ShoalRecord, type ShoalRecordOptions } from './routing/shoal-record.js';
export { ShoalRecordBuilder } from './routing/shoal-record.builder.js';
export type { ShoalRoute, ShoalRouteKind } from './routing/shoal-route.js';
export { ShardsService, type ShardOwnership } from './entities/shards.service.js';
export {
  EntityLifecycle,
  type PassivationHook,
  type PassivationReason,
} from './entities/entity-lifecycle.js';
export { MessagingMetrics } from './messaging.metrics.js';
export { MessageTimeoutError } from './errors/message-timeout.error.js';
export { TargetUnavailableError } from './errors/target-unavailable.error.js';
export { NoHandlerError } from './errors/no-handler.error.js';
export { TargetBusyError } from './errors/target-busy.error.js';
export { InvalidRouteError } from './errors/invalid-route.error.js';
export { InvalidMessagingOptionsError } from './errors/invalid-messaging-options.error.js';
