import { Inject } from '@nestjs/common';
import { queueToken } from '../queues/queue.token.js';

/**
 * Injects the BullMQ `Queue` of a registered queue, as in `@nestjs/bullmq`: `@InjectQueue('emails') queue: Queue`.
 * It is the real BullMQ object (Redis backend); Shoal's extras — idempotency keys, `maxWaiting`, dead letters,
 * enqueue through the outbox — are on `JobsService` and `JobDeadLetters`, which work on either backend.
 */
export function InjectQueue(name: string): PropertyDecorator & ParameterDecorator {
  return Inject(queueToken(name));
}
