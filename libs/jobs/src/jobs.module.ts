import { type DynamicModule, Module } from '@nestjs/common';
import { JobDeadLetters } from './dead-letters/job-dead-letters.js';
import { resolveJobsConfig, validateQueueOptions } from './jobs-config.js';
import { JOBS_CONFIG } from './jobs.constants.js';
import { JOBS_MODULE_OPTIONS, JOBS_OPTIONS_TYPE, JobsConfigurableModule } from './jobs.module-definition.js';
import type { JobsModuleOptions, QueueOptions } from './jobs-options.js';
import { JobsService } from './jobs.service.js';
import { JobsOutboxHandler } from './outbox/jobs-outbox.handler.js';
import { QueueRegistry } from './queues/queue-registry.js';
import { queueToken } from './queues/queue.token.js';
import { JobWorkers } from './workers/job-workers.js';

/** Registers one queue (in any module of the app). */
@Module({})
class JobsQueueModule {}

/**
 * Queues and workers on BullMQ, on the ClusterModule's Redis. `forRoot` once (global), `registerQueue` per queue;
 * `@Processor('queue')` classes with `@Process('job')` methods run the jobs on nodes with `workers: true`.
 */
@Module({
  providers: [
    {
      provide: JOBS_CONFIG,
      inject: [JOBS_MODULE_OPTIONS],
      useFactory: (options: JobsModuleOptions) => resolveJobsConfig(options),
    },
    QueueRegistry,
    JobsService,
    JobDeadLetters,
    JobWorkers,
    JobsOutboxHandler,
  ],
  exports: [JOBS_CONFIG, QueueRegistry, JobsService, JobDeadLetters, JobWorkers],
})
export class JobsModule extends JobsConfigurableModule {
  /** Every option has a default, so `JobsModule.forRoot()` is enough. */
  static override forRoot(options: typeof JOBS_OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(options);
  }

  /**
   * Registers a queue: `JobsModule.registerQueue({ name: 'emails', concurrency: 20, maxWaiting: 10_000 })`.
   * Options are validated at start-up.
   */
  static registerQueue(options: QueueOptions): DynamicModule {
    validateQueueOptions(options);
    return {
      module: JobsQueueModule,
      providers: [
        {
          provide: queueToken(options.name),
          inject: [QueueRegistry],
          useFactory: (r: QueueRegistry) => r.register(options),
        },
      ],
      exports: [queueToken(options.name)],
    };
  }
}
