import { rendezvousOwner } from '@shoal/cluster/internal';
import { NoHandlerError } from '../errors/no-handler.error.js';
import { TargetUnavailableError } from '../errors/target-unavailable.error.js';
import type { HandlerRegistry } from '../registry/handler-registry.js';
import type { ShoalRoute } from '../routing/shoal-route.js';

/**
 * The nodes a non-entity message goes to. `any` takes the next node of a round-robin over the live nodes with a
 * handler; `owner` the rendezvous owner of the key among them (the same on every node with the same view).
 * @throws NoHandlerError / TargetUnavailableError when nothing can take it.
 */
export function routeTargets(
  route: Exclude<ShoalRoute, { kind: 'entity' }>,
  pattern: string,
  registry: HandlerRegistry,
  turn: number,
): readonly string[] {
  if (route.kind === 'node') {
    if (!registry.handles(route.node, pattern)) {
      throw registry.hosts().includes(route.node)
        ? new NoHandlerError(pattern, `node ${route.node}`)
        : new TargetUnavailableError(pattern, route.node, 'not a live member running the Shoal transport');
    }
    return [route.node];
  }
  const nodes = registry.nodesFor(pattern);
  if (nodes.length === 0) throw new NoHandlerError(pattern, 'any live node');
  switch (route.kind) {
    case 'any':
      return [nodes[turn % nodes.length]];
    case 'owner':
      return [rendezvousOwner(route.key, nodes) as string];
    case 'all':
      return nodes;
  }
}
