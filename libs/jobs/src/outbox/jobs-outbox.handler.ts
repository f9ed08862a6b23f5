import { Injectable } from '@nestjs/common';
import { OnEvent, type EventContext } from '@shoal/events';
import { JobsService } from '../jobs.service.js';
import { EnqueueJobRequested } from './enqueue-job-requested.event.js';

/** Turns outbox enqueue requests into BullMQ jobs; the job id dedupes redeliveries. */
@Injectable()
export class JobsOutboxHandler {
  constructor(private readonly jobs: JobsService) {}

  @OnEvent(EnqueueJobRequested, { group: 'shoal.jobs.enqueue' })
  async enqueue(request: EnqueueJobRequested, { envelope }: EventContext): Promise<void> {
    await this.jobs.add(request.queue, request.name, request.data, {
      idempotencyKey: request.idempotencyKey ?? envelope.id,
      delay: request.delay,
      priority: request.priority,
    });
  }
}
