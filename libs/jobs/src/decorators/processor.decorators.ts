import { DiscoveryService } from '@nestjs/core';

/** Marks a class whose `@Process()` methods run the jobs of `queue` (on nodes with `workers: true`). */
export const Processor = DiscoveryService.createDecorator<string>();

/**
 * Binds a method to a job name on its class's `@Processor` queue: `@Process('send-receipt')`, or `@Process()` for
 * any job without a handler of its own. The method gets `(data, context: JobContext)`; its return value is the
 * job's result; throwing retries the job with backoff, and after the last attempt it is dead-lettered.
 */
export const Process = DiscoveryService.createDecorator<string | undefined>();
