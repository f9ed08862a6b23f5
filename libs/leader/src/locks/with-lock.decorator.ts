import { DiscoveryService } from '@nestjs/core';
import { InvalidDecoratorUsageError } from '@shoal/cluster';
import { LockKeyError } from '../errors/lock-key.error.js';
import { methodLabel, replaceMethod } from '../method-wrapping.js';
import type { LockOptions } from './lock-handle.js';
import type { LockService } from './lock.service.js';

/** The lock key of `@WithLock`: fixed, or computed from the call's arguments. */
export type LockKey<A extends unknown[] = never[]> = string | ((...args: A) => string);

/** A compile-time check that the key function accepts the decorated method's arguments. */
type KeyAcceptsArguments<F, A extends unknown[]> = F extends (...args: infer P) => unknown
  ? ((...args: A) => string) extends (...args: P) => string
    ? unknown
    : { "@WithLock(): the key function's parameters do not match this method's": never }
  : unknown;

const services = new WeakMap<object, LockService>();

/** Attaches a `LockService` to a provider instance with `@WithLock` methods (done by the leader explorer). */
export function bindLockService(instance: object, service: LockService): void {
  services.set(instance, service);
}

/** Discovery marker of `@WithLock` methods. */
export const WithLockMarker = DiscoveryService.createDecorator<{ label: string }>();

function resolveKey(key: LockKey<unknown[]>, args: unknown[], label: string): string {
  let value: unknown;
  try {
    value = typeof key === 'function' ? (key as (...a: unknown[]) => unknown)(...args) : key;
  } catch (error) {
    throw new LockKeyError(
      label,
      `the key function threw: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (typeof value !== 'string' || value.length === 0) {
    throw new LockKeyError(
      label,
      `the key function returned ${JSON.stringify(value)}, expected a non-empty string`,
    );
  }
  return value;
}

/**
 * Runs the method holding a distributed lock on `key` (or `key(...args)`), waiting up to `wait` ms for it,
 * extended automatically while the method runs, released afterwards. The `LockHandle` (token, signal) is not
 * passed in; use `LockService.withLock` when the method needs it.
 *
 * @throws LockTimeoutError when the lock stays held by others past `wait`; LockKeyError when the key function throws.
 */
export function WithLock<A extends unknown[] = unknown[]>(
  key: LockKey<A>,
  options: LockOptions = {},
): <F>(
  target: object,
  property: string | symbol,
  descriptor: TypedPropertyDescriptor<F> & KeyAcceptsArguments<F, A>,
) => void {
  return (target, property, descriptor) => {
    const label = methodLabel(target, property);
    if (typeof descriptor.value !== 'function') {
      throw new InvalidDecoratorUsageError('@WithLock()', label, 'can only decorate a method');
    }
    if (!(typeof key === 'function' || (typeof key === 'string' && key.length > 0))) {
      throw new InvalidDecoratorUsageError(
        '@WithLock()',
        label,
        'key must be a non-empty string or a function',
      );
    }
    if (options.ttl !== undefined && !(Number.isInteger(options.ttl) && options.ttl >= 10)) {
      throw new InvalidDecoratorUsageError('@WithLock()', label, `ttl must be a whole number of ms ≥ 10`);
    }
    if (options.wait !== undefined && !(Number.isInteger(options.wait) && options.wait >= 0)) {
      throw new InvalidDecoratorUsageError('@WithLock()', label, `wait must be a whole number of ms ≥ 0`);
    }
    const original = replaceMethod(descriptor, async function withLock(this: unknown, ...args: unknown[]) {
      const service = this && typeof this === 'object' ? services.get(this) : undefined;
      if (!service) {
        throw new Error(
          `@WithLock on ${label}: no LockService is bound to this instance (LeaderModule not imported, or a ` +
            'request-scoped provider: Shoal binds singleton providers only)',
        );
      }
      const resolved = resolveKey(key as LockKey<unknown[]>, args, label);
      return service.withLock(resolved, () => original.apply(this, args), options);
    });
    WithLockMarker({ label })(target, property, descriptor);
  };
}
