/** How a bound singleton method is run on one instance (installed by the leader explorer at start-up). */
export interface SingletonBinding {
  invoke(original: (...args: unknown[]) => unknown, instance: unknown, args: unknown[]): unknown;
}

const bindings = new WeakMap<object, Map<string | symbol, SingletonBinding>>();

/** Attaches the runtime of a `@Singleton()` method to one provider instance. */
export function bindSingleton(instance: object, method: string | symbol, binding: SingletonBinding): void {
  let methods = bindings.get(instance);
  if (!methods) bindings.set(instance, (methods = new Map()));
  methods.set(method, binding);
}

/** The runtime bound to this instance's method; undefined before start-up (the call is then skipped). */
export function singletonBindingOf(instance: unknown, method: string | symbol): SingletonBinding | undefined {
  return instance && typeof instance === 'object' ? bindings.get(instance)?.get(method) : undefined;
}
