import { Injectable } from '@nestjs/common';
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
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  find<T>(decorator: DiscoverableDecorator<T>): DecoratedMethod<T>[] {
    const found: DecoratedMethod<T>[] = [];
    const wrappers = [...this.discovery.getProviders(), ...this.discovery.getControllers()];
    for (const wrapper of wrappers) {
      const instance: unknown = wrapper.instance;
      if (!wrapper.isDependencyTreeStatic() || !instance || typeof instance !== 'object') continue;
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
}
