import { DiscoveryService } from '@nestjs/core';

/**
 * Calls the decorated method with a `MembershipEvent` each time a member joins (this node included, when it starts).
 * Runs on every node; errors are logged and do not stop other handlers.
 */
export const OnNodeJoined = DiscoveryService.createDecorator<void>();

/** Calls the decorated method with a `MembershipEvent` each time a member leaves or is removed as dead. */
export const OnNodeLeft = DiscoveryService.createDecorator<void>();

/** Calls the decorated method with a `ShardsChangedEvent` after every membership change. */
export const OnShardsChanged = DiscoveryService.createDecorator<void>();
