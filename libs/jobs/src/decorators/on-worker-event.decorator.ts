import { DiscoveryService } from '@nestjs/core';

/** The worker events `@OnWorkerEvent` listens to, on either backend. */
export type WorkerEvent = 'active' | 'completed' | 'failed' | 'error';

/**
 * Runs a method of a `@Processor` class on a worker event of this node, as in `@nestjs/bullmq`:
 * `active(job)`, `completed(job, result)`, `failed(job, error)` (once per failed attempt), `error(error)`.
 * A throw in the listener is logged; it does not change the job's fate.
 */
export const OnWorkerEvent = DiscoveryService.createDecorator<WorkerEvent>();
