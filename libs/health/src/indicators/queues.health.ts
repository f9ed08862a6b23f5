import { Inject, Injectable, Optional } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { QueueRegistry } from '@shoal/jobs/internal';
import type { HealthConfig } from '../health-config.js';
import type { QueueThresholds } from '../health-options.js';
import { HEALTH_CONFIG } from '../health.constants.js';
import { overThreshold, probe } from './probe.js';
import { readQueueDepths } from './queue-depths.js';

/**
 * The job queues of `JobsModule`: `up` when every queue's store answers within the timeout and no queue is past
 * `maxWaiting` (waiting + delayed) or `maxDeadLetters`; otherwise `down` (or `degraded` with
 * `degradedOnThresholds`), with every queue's depth in the details. `up` with no queues without `JobsModule`.
 */
@Injectable()
export class QueuesHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(HEALTH_CONFIG) private readonly config: HealthConfig,
    @Optional() private readonly registry?: QueueRegistry,
  ) {}

  /** Whether `JobsModule` is imported. */
  get available(): boolean {
    return this.registry !== undefined;
  }

  isHealthy<const Key extends string = 'queues'>(
    key: Key = 'queues' as Key,
    thresholds: QueueThresholds = this.config.queues,
  ): Promise<HealthIndicatorResult<Key>> {
    return probe(this.indicators, key, this.config.timeout, async () => {
      const depths = this.registry ? await readQueueDepths(this.registry) : [];
      const problems = depths.flatMap((d) => [
        ...(thresholds.maxWaiting !== undefined && d.waiting + d.delayed > thresholds.maxWaiting
          ? [`${d.queue}: ${d.waiting + d.delayed} waiting > ${thresholds.maxWaiting}`]
          : []),
        ...(thresholds.maxDeadLetters !== undefined && d.deadLetters > thresholds.maxDeadLetters
          ? [`${d.queue}: ${d.deadLetters} dead letters > ${thresholds.maxDeadLetters}`]
          : []),
      ]);
      const queues = Object.fromEntries(depths.map(({ queue, ...rest }) => [queue, rest]));
      if (problems.length === 0) return { status: 'up', data: { queues } };
      return {
        status: overThreshold(this.config.degradedOnThresholds),
        data: { queues, message: problems.join('; ') },
      };
    });
  }
}
