import { Injectable, Logger } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';

/** A decorator made by `DiscoveryService.createDecorator`. */
export type DiscoverableDecorator<T> = ReturnType<typeof DiscoveryService.createDecorator<T>>;

/** A method found carrying a discoverable decorator, bound to its instance. */
export interface DecoratedMethod<T> {
  readonly instance: object;
  readonly className: string;
  readonly methodName: string;
  readonly metadata: T;
  readonly call: (...args: unknown[]) => unknown;
}

/**
 * Finds methods of singleton providers and controllers that carry a given decorator. Shared by every Shoal module
 * that binds behaviour to decorated methods.
 */
@Injectable()
export class DecoratedMethodExplorer {
  private readonly logger = new Logger('Shoal:Discovery');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  /**
   * @param name the decorator as users write it (`@OnEvent()`), named in the start-up warning for methods on
   *   request-scoped providers: those have no instance to bind, so the decorator is ignored there.
   */
  find<T>(decorator: DiscoverableDecorator<T>, name = 'a Shoal decorator'): DecoratedMethod<T>[] {
    const found: DecoratedMethod<T>[] = [];
    const wrappers = [...this.discovery.getProviders(), ...this.discovery.getControllers()];
    for (const wrapper of wrappers) {
      const instance: unknown = wrapper.instance;
      if (!wrapper.isDependencyTreeStatic()) {
        this.warnNonStatic(decorator, name, wrapper.metatype);
        continue;
      }
      if (!instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance) as object | null;
      if (!prototype) continue;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const metadata = this.discovery.getMetadataByDecorator(decorator, wrapper, methodName);
        if (metadata === undefined) continue;
        const method = (instance as Record<string, (...args: unknown[]) => unknown>)[methodName];
        found.push({
          instance,
          className: instance.constructor.name,
          methodName,
          metadata: metadata as T,
          call: (...args) => method.apply(instance, args),
        });
      }
    }
    return found;
  }

  private warnNonStatic<T>(decorator: DiscoverableDecorator<T>, name: string, metatype: unknown): void {
    const prototype = typeof metatype === 'function' ? (metatype.prototype as object | undefined) : undefined;
    if (!prototype) return;
    for (const methodName of this.scanner.getAllMethodNames(prototype)) {
      const method = (prototype as Record<string, unknown>)[methodName];
      if (typeof method !== 'function' || Reflect.getMetadata(decorator.KEY, method) === undefined) continue;
      const where = `${(metatype as { name: string }).name}.${methodName}`;
      this.logger.warn(
        `${name} on ${where} is ignored: ${(metatype as { name: string }).name} is request-scoped (or depends on a ` +
          'request-scoped provider). Shoal binds decorated methods on singleton providers only; move the method to one.',
      );
    }
  }
}

/**
 * Calls a decorated hook (`@OnNodeJoined()`, `@OnLeadershipLost()`…) without letting it break the caller: a throw or
 * a rejected promise is logged on `logger` with the method's name.
 */
export function callHook(method: DecoratedMethod<unknown>, logger: Logger, ...args: unknown[]): void {
  const report = (error: unknown) =>
    logger.error(`${method.className}.${method.methodName} failed: ${String(error)}`);
  try {
    const result = method.call(...args);
    if (result instanceof Promise) result.catch(report);
  } catch (error) {
    report(error);
  }
}
