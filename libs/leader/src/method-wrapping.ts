type AnyMethod = (this: unknown, ...args: unknown[]) => unknown;

/** Property of a Shoal method wrapper holding the method it wraps. */
export const ORIGINAL_METHOD = Symbol('shoal:original-method');

/** The method a Shoal wrapper wraps (the function itself when it is not a Shoal wrapper). */
export function unwrapMethod(fn: (...args: unknown[]) => unknown): (...args: unknown[]) => unknown {
  const original = (fn as { [ORIGINAL_METHOD]?: (...args: unknown[]) => unknown })[ORIGINAL_METHOD];
  return original ?? fn;
}

/**
 * Replaces `descriptor.value` with `wrapper`, carrying over every piece of reflect-metadata the original had (from
 * `@Interval`, `@Cron`, `@Get`, guards...) and its name, so decorators compose in any order.
 */
export function replaceMethod(descriptor: PropertyDescriptor, wrapper: AnyMethod): AnyMethod {
  const original = descriptor.value as AnyMethod;
  for (const key of Reflect.getOwnMetadataKeys(original)) {
    Reflect.defineMetadata(key, Reflect.getOwnMetadata(key, original), wrapper);
  }
  Object.defineProperty(wrapper, 'name', { value: original.name, configurable: true });
  Object.defineProperty(wrapper, ORIGINAL_METHOD, { value: original });
  descriptor.value = wrapper;
  return original;
}

/** Readable `Class.method` for messages. */
export function methodLabel(target: object, key: string | symbol): string {
  const owner = typeof target === 'function' ? target.name : target.constructor.name;
  return `${owner}.${String(key)}`;
}
