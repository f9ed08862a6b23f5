import { DiscoveryService } from '@nestjs/core';
import { InvalidDecoratorUsageError } from '@shoal/cluster';

const QUEUE_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

const ProcessorMetadata = DiscoveryService.createDecorator<string>();

/**
 * Marks a class that runs the jobs of `queue` on nodes with `workers: true`, as in `@nestjs/bullmq`: extend
 * `WorkerHost` and implement `process(job)`, or give methods `@Process('job-name')` (per-name dispatch).
 * `@Processor({ name })` works too.
 * @throws InvalidDecoratorUsageError when the queue name is not 1-100 letters, digits, `_ . -`.
 */
export function Processor(queue: string | { name: string }): ClassDecorator {
  const name = typeof queue === 'string' ? queue : (queue as { name?: unknown } | undefined)?.name;
  return (target) => {
    if (typeof name !== 'string' || !QUEUE_NAME.test(name)) {
      throw new InvalidDecoratorUsageError(
        '@Processor()',
        target.name,
        `the queue name must be 1-100 letters, digits, _ . - (got ${JSON.stringify(name)})`,
      );
    }
    ProcessorMetadata(name)(target);
  };
}

/** The metadata key of `@Processor()`. */
Processor.KEY = ProcessorMetadata.KEY;
