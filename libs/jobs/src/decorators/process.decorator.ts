import { DiscoveryService } from '@nestjs/core';

/**
 * Per-name dispatch inside a `@Processor` class: `@Process('send-receipt')` runs jobs named `send-receipt`,
 * `@Process()` any job without a method of its own. The method gets the `Job`; its return value is the job's result;
 * throwing retries the job with backoff, and after the last attempt it is dead-lettered. A `WorkerHost` subclass that
 * implements `process(job)` itself takes every job instead.
 */
export const Process = DiscoveryService.createDecorator<string | undefined>();
