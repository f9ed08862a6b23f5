import { type DynamicModule, type FactoryProvider, type ModuleMetadata, Module } from '@nestjs/common';
import { ClusterConnections } from '@shoal/cluster';
import { CLUSTER_CONFIG, type ClusterConfig } from '@shoal/cluster/internal';
import { Queue } from 'bullmq';
import { createJobsBackend } from './backend/create-backend.js';
import { JOBS_BACKEND, type JobsBackend } from './backend/jobs-backend.js';
import { JobDeadLetters } from './dead-letters/job-dead-letters.js';
import { resolveJobsConfig, validateQueueOptions, type JobsConfig } from './jobs-config.js';
import { JOBS_CONFIG } from './jobs.constants.js';
import {
  JOBS_ASYNC_OPTIONS_TYPE,
  JOBS_MODULE_OPTIONS,
  JOBS_OPTIONS_TYPE,
  JobsConfigurableModule,
} from './jobs.module-definition.js';
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
 * What a registered queue needs from the app's `JobsModule`, whether that is global or not: the queue registry and
 * the backend. Provided by the always-global {@link JobsQueueHostModule}, so `registerQueue` works in any module, as
 * `@nestjs/bullmq`'s does, while `isGlobal: false` still keeps `JobsService` and `JobDeadLetters` to the modules that
 * import `JobsModule`.
 */
const JOBS_QUEUE_HOST = Symbol('shoal:jobs-queue-host');

interface JobsQueueHost {
  readonly registry: QueueRegistry;
  readonly backend: JobsBackend;
}

/** Exposes {@link JOBS_QUEUE_HOST} to every module of the app. */
@Module({})
class JobsQueueHostModule {}

/** What `JobsModule.forRoot` returns: the module itself and, beside it, the global queue host. */
@Module({})
class JobsRootModule {}

function withQueueHost(jobs: DynamicModule): DynamicModule {
  const host: DynamicModule = {
    module: JobsQueueHostModule,
    global: true,
    imports: [jobs],
    providers: [
      {
        provide: JOBS_QUEUE_HOST,
        inject: [QueueRegistry, JOBS_BACKEND],
        useFactory: (registry: QueueRegistry, backend: JobsBackend): JobsQueueHost => ({ registry, backend }),
      },
    ],
    exports: [JOBS_QUEUE_HOST],
  };
  return { module: JobsRootModule, global: jobs.global, imports: [jobs, host], exports: [jobs] };
}

/** Options of `JobsModule.registerQueueAsync()`: the queue's name now, its other options from a factory. */
export interface RegisterQueueAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  name: string;
  inject?: FactoryProvider['inject'];
  useFactory: (...args: never[]) => Omit<QueueOptions, 'name'> | Promise<Omit<QueueOptions, 'name'>>;
}

/**
 * Queues and workers with `@nestjs/bullmq`'s shape — `registerQueue`, `@Processor` + `WorkerHost`, `@InjectQueue`,
 * `@OnWorkerEvent` — on BullMQ (Redis). `forRoot` once (global by default), `registerQueue` per queue; Shoal's
 * extras are on `JobsService` and `JobDeadLetters`.
 */
@Module({
  providers: [
    {
      provide: JOBS_CONFIG,
      inject: [JOBS_MODULE_OPTIONS],
      useFactory: (options: JobsModuleOptions) => resolveJobsConfig(options),
    },
    {
      provide: JOBS_BACKEND,
      inject: [ClusterConnections, CLUSTER_CONFIG, JOBS_CONFIG],
      useFactory: (connections: ClusterConnections, cluster: ClusterConfig, config: JobsConfig) =>
        createJobsBackend(connections, cluster, config),
    },
    QueueRegistry,
    JobsService,
    JobDeadLetters,
    JobWorkers,
    JobsOutboxHandler,
  ],
  exports: [JOBS_CONFIG, JOBS_BACKEND, QueueRegistry, JobsService, JobDeadLetters, JobWorkers],
})
export class JobsModule extends JobsConfigurableModule {
  /** Every option has a default, so `JobsModule.forRoot()` is enough. */
  static override forRoot(options: typeof JOBS_OPTIONS_TYPE = {}): DynamicModule {
    return withQueueHost(super.forRoot(options));
  }

  /** `forRoot` with options from a factory (`inject`, e.g. `ConfigService`). */
  static override forRootAsync(options: typeof JOBS_ASYNC_OPTIONS_TYPE): DynamicModule {
    return withQueueHost(super.forRootAsync(options));
  }

  /**
   * Registers a queue: `JobsModule.registerQueue({ name: 'emails', concurrency: 20, maxWaiting: 10_000 })`, or a
   * queue from `defineQueue` (typed enqueue). Options are validated at start-up. `@InjectQueue(name)` then gives its
   * BullMQ `Queue`.
   */
  static registerQueue(...queues: QueueOptions[]): DynamicModule {
    for (const options of queues) validateQueueOptions(options);
    return {
      module: JobsQueueModule,
      providers: queues.map((options) => ({
        provide: queueToken(options.name),
        inject: [JOBS_QUEUE_HOST],
        useFactory: ({ registry, backend }: JobsQueueHost) =>
          backendQueue(backend, registry.register(options).name),
      })),
      exports: queues.map((options) => queueToken(options.name)),
    };
  }

  /** Registers a queue whose options come from a factory (`inject`, e.g. `ConfigService`). */
  static registerQueueAsync(...queues: RegisterQueueAsyncOptions[]): DynamicModule {
    return {
      module: JobsQueueModule,
      imports: queues.flatMap((q) => q.imports ?? []),
      providers: queues.map((q) => ({
        provide: queueToken(q.name),
        inject: [JOBS_QUEUE_HOST, ...(q.inject ?? [])],
        useFactory: async ({ registry, backend }: JobsQueueHost, ...args: never[]) => {
          const options = validateQueueOptions({ ...(await q.useFactory(...args)), name: q.name });
          return backendQueue(backend, registry.register(options).name);
        },
      })),
      exports: queues.map((q) => queueToken(q.name)),
    };
  }
}

/**
 * The BullMQ queue when the backend has one; on others an object whose every method throws the reason (the app still
 * starts: a processor module may inject a queue it only uses on Redis).
 */
function backendQueue(backend: JobsBackend, name: string): unknown {
  try {
    return backend.bullQueue(name);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return new Proxy(
      {},
      {
        get: (_target, property) => {
          // Only BullMQ's own members throw: Nest's lifecycle probing (`onModuleInit`…) finds nothing.
          if (typeof property !== 'string' || property === 'constructor' || !(property in Queue.prototype))
            return undefined;
          return () => {
            throw new Error(message);
          };
        },
      },
    );
  }
}
