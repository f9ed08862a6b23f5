import type { Metric, Registry } from 'prom-client';

/**
 * The metric named `name` in `registry`, created on first use. Several Shoal nodes in one process (tests) share a
 * registry, and prom-client refuses to register a name twice.
 */
export function registeredMetric<T extends Metric>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}
