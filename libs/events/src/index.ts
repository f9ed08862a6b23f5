export { EventBusModule } from './events.module.js';
export type { EventBusModuleAsyncOptions } from './events.module-definition.js';
export { EVENTS_DEFAULTS, type EventBusModuleOptions } from './events-options.js';
export { EventBus, type PublishOptions } from './event-bus.js';
export {
  IntegrationEvent,
  eventDefinitionOf,
  type EventClass,
  type EventDefinition,
  type IntegrationEventOptions,
} from './integration-event.decorator.js';
export { OnEvent, type OnEventOptions, type EventHandlerDecorator } from './decorators/on-event.decorator.js';
export type { EventContext, TransactionalEventContext } from './handling/event-context.js';
export type { EventEnvelope } from './envelope/event-envelope.js';
export { uuidv7 } from './envelope/uuid-v7.js';
export { DeadLetters } from './dead-letters/dead-letters.service.js';
export type { DeadLetter, DeadLetterStore } from './dead-letters/dead-letter.js';
export { OutboxMessage } from './outbox/outbox-message.entity.js';
export { eventsEntities } from './outbox/events-entities.js';
export { ShoalOutboxMigration1795300000000 } from './outbox/outbox.migration.js';
export type { EventScope } from './transport/event-transport.js';
export { MemoryEventHub } from './transport/memory-event.hub.js';
export { EventValidationError } from './errors/event-validation.error.js';
export { EventPayloadTooLargeError } from './errors/event-payload-too-large.error.js';
export { EventNotReplicatedError } from './errors/event-not-replicated.error.js';
export { UnknownEventError } from './errors/unknown-event.error.js';
export { OutboxRequiresTransactionError } from './errors/outbox-requires-transaction.error.js';
export { InvalidEventsOptionsError } from './errors/invalid-events-options.error.js';
