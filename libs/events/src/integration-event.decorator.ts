import { InvalidDecoratorUsageError } from '@shoal/cluster';
import { NAME_CHARACTERS, namePattern } from '@shoal/cluster/internal';
import type { ZodType } from 'zod';
import { EventValidationError } from './errors/event-validation.error.js';
import { UnknownEventError } from './errors/unknown-event.error.js';

/** An event class: any class decorated with `@IntegrationEvent`. */
export type EventClass<T extends object = object> = abstract new (...args: never[]) => T;

/** What `@IntegrationEvent` records about an event class. */
export interface EventDefinition<T extends object = object> {
  readonly type: string;
  readonly version: number;
  readonly target: EventClass<T>;
  /** Validates the payload at publish and on receipt. */
  readonly schema?: ZodType;
}

/** Options of `@IntegrationEvent`. */
export interface IntegrationEventOptions {
  /** Payload version (default 1). Bump it on breaking changes; handlers get the version in the envelope. */
  version?: number;
  /** A zod schema of the payload (the instance's own fields), checked at publish and on receipt. */
  schema?: ZodType;
}

const DEFINITION = Symbol('shoal:integration-event');
const byType = new Map<string, EventDefinition>();
const key = (type: string, version: number) => `${type}@v${version}`;

/**
 * Marks a class as an integration event with a stable type name: the name, not the class name, travels on the
 * wire, so classes can be renamed and services in other languages can consume it.
 *
 * ```ts
 * @IntegrationEvent('order.placed', { version: 1, schema: z.object({ orderId: z.string(), total: z.number() }) })
 * export class OrderPlaced { constructor(readonly orderId: string, readonly total: number) {} }
 * ```
 */
export function IntegrationEvent(type: string, options: IntegrationEventOptions = {}): ClassDecorator {
  if (!namePattern(200).test(type)) {
    throw new InvalidDecoratorUsageError(
      '@IntegrationEvent()',
      `"${type}"`,
      `the type must be 1-200 characters of ${NAME_CHARACTERS}`,
    );
  }
  const version = options.version ?? 1;
  if (!Number.isInteger(version) || version < 1) {
    throw new InvalidDecoratorUsageError(
      '@IntegrationEvent()',
      `"${type}"`,
      'version must be a whole number ≥ 1',
    );
  }
  return (target) => {
    const definition: EventDefinition = {
      type,
      version,
      target: target as unknown as EventClass,
      schema: options.schema,
    };
    const existing = byType.get(key(type, version));
    if (existing && existing.target.name !== target.name) {
      throw new InvalidDecoratorUsageError(
        '@IntegrationEvent()',
        `"${type}" v${version}`,
        `used by both ${existing.target.name} and ${target.name}`,
      );
    }
    byType.set(key(type, version), definition);
    Object.defineProperty(target, DEFINITION, { value: definition });
  };
}

/** The definition of an event class. @throws UnknownEventError when the class is not decorated. */
export function eventDefinitionOf(target: EventClass | object): EventDefinition {
  const cls = (typeof target === 'function' ? target : target.constructor) as {
    [DEFINITION]?: EventDefinition;
  };
  const definition = cls[DEFINITION];
  if (!definition) {
    const name = typeof target === 'function' ? target.name : target.constructor.name;
    throw new UnknownEventError(
      `${name} is not an integration event: decorate it with @IntegrationEvent('type')`,
    );
  }
  return definition;
}

/** The definition registered for a type and version, if any. */
export function findEventDefinition(type: string, version: number): EventDefinition | undefined {
  return byType.get(key(type, version));
}

function check(definition: EventDefinition, payload: unknown): unknown {
  if (!definition.schema) return payload;
  const result = definition.schema.safeParse(payload);
  if (result.success) return result.data;
  const issues = result.error.issues.map(
    (i) => `${i.path.map(String).join('.') || '(payload)'}: ${i.message}`,
  );
  throw new EventValidationError(definition.type, issues);
}

/** The payload of an event instance (its own fields), validated. @throws EventValidationError */
export function toPayload(definition: EventDefinition, event: object): unknown {
  return check(definition, { ...event });
}

/** Rebuilds an event instance from a received payload, validated. @throws EventValidationError */
export function fromPayload<T extends object>(definition: EventDefinition<T>, payload: unknown): T {
  const data = check(definition, payload);
  if (!data || typeof data !== 'object')
    throw new EventValidationError(definition.type, ['payload is not an object']);
  return Object.assign(Object.create(definition.target.prototype) as T, data);
}
