import { DiscoveryService } from '@nestjs/core';
import { InvalidDecoratorUsageError } from '@shoal/cluster';
import { leaseNameSchema } from '../leader-config.js';
import { DEFAULT_LEASE } from '../leader.constants.js';
import { methodLabel, replaceMethod } from '../method-wrapping.js';
import { singletonBindingOf } from './singleton.binding.js';

/** Options of `@Singleton()`. */
export interface SingletonOptions {
  /**
   * Which lease the method follows: `'leader'` (default, the cluster-wide leader), `'own'` (a lease of its own, named
   * after the method, so singletons spread over the nodes), or any lease name.
   */
  lease?: string;
  /**
   * `true`: a long-running process, started on the holder with an `AbortSignal` (its first argument) that fires when
   * the lease is lost; restarted with backoff if it throws.
   */
  process?: boolean;
}

/** Resolved `@Singleton()` settings, stored as metadata on the method. */
export interface SingletonMetadata {
  readonly lease: string;
  readonly process: boolean;
  readonly label: string;
}

/** What a `@Singleton()` method returns: `undefined` on every node that does not hold the lease. */
export type SingletonResult<T> = T | undefined;

/**
 * A compile-time check that a `@Singleton()` method's return type admits `undefined` (the call is skipped on every
 * node but the holder): `Promise<number>` is refused, `Promise<SingletonResult<number>>` and `Promise<void>` pass.
 */
type SkippableReturn<T> = T extends (...args: never[]) => infer R
  ? undefined extends Awaited<R>
    ? unknown
    : {
        '@Singleton() skips the call on every node but the lease holder: declare the return type T | undefined (SingletonResult<T>)': never;
      }
  : unknown;

/** Discovery marker of singleton methods. */
export const SingletonMarker = DiscoveryService.createDecorator<SingletonMetadata>();

/**
 * Runs the method only on the node holding its lease.
 *
 * - Called by anyone (`@Interval`, `@Cron`, a controller, another service), on any node: it runs on the holder and
 *   returns `undefined` without running everywhere else — never queued. Works above or below the scheduler
 *   decorator.
 * - `{ process: true }`: started by Shoal on the holder as `method(signal)`, stopped through the signal when the
 *   lease is lost.
 * - The running call reads its fencing token from `SingletonContext`; guard writes with `FencingService`.
 */
export function Singleton(
  options: SingletonOptions = {},
): <T>(
  target: object,
  key: string | symbol,
  descriptor: TypedPropertyDescriptor<T> & SkippableReturn<T>,
) => void {
  return (target, key, descriptor) => {
    const label = methodLabel(target, key);
    if (typeof descriptor.value !== 'function') {
      throw new InvalidDecoratorUsageError('@Singleton()', label, 'can only decorate a method');
    }
    const unknown = Object.keys(options).filter((k) => k !== 'lease' && k !== 'process');
    if (unknown.length > 0) {
      throw new InvalidDecoratorUsageError('@Singleton()', label, `unknown option(s) ${unknown.join(', ')}`);
    }
    let lease = options.lease ?? DEFAULT_LEASE;
    if (lease === 'own') lease = `singleton:${label}`;
    const checked = leaseNameSchema.safeParse(lease);
    if (!checked.success) {
      throw new InvalidDecoratorUsageError(
        '@Singleton()',
        label,
        `lease "${lease}" ${checked.error.issues[0].message}`,
      );
    }
    const original = replaceMethod(descriptor, function singleton(this: unknown, ...args: unknown[]) {
      const binding = singletonBindingOf(this, key);
      return binding ? binding.invoke(original, this, args) : undefined;
    });
    SingletonMarker({ lease, process: options.process === true, label })(target, key, descriptor);
  };
}
