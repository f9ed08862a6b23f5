import { DiscoveryService } from '@nestjs/core';

/**
 * Calls the decorated method with a `LeadershipEvent` when this node acquires the lease (default `leader`).
 * `@OnLeadershipAcquired('reports')` listens to another lease (this node then competes for it).
 */
export const OnLeadershipAcquired = DiscoveryService.createDecorator<string | undefined>();

/**
 * Calls the decorated method with a `LeadershipEvent` when this node loses the lease (expired, taken over or
 * handed back at shutdown).
 */
export const OnLeadershipLost = DiscoveryService.createDecorator<string | undefined>();
