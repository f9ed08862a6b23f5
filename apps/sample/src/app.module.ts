import { type DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { APP_FILTER } from '@nestjs/core';
import { CacheModule } from '@shoal/cache';
import { ClusterModule, ShoalExceptionFilter } from '@shoal/cluster';
import { EventBusModule } from '@shoal/events';
import { HealthModule } from '@shoal/health';
import { JobsModule } from '@shoal/jobs';
import { LeaderModule } from '@shoal/leader';
import { MessagingModule } from '@shoal/messaging';
import { RealtimeModule } from '@shoal/realtime';
import { WebhooksModule } from '@shoal/webhooks';
import { AccountEntity } from './accounts/account.entity.js';
import { AccountStats } from './accounts/account-stats.js';
import { AccountsController } from './accounts/accounts.controller.js';
import { AccountsStore } from './accounts/accounts.store.js';
import { ShardsController } from './accounts/shards.controller.js';
import { ClusterController } from './cluster/cluster.controller.js';
import { MembershipLog } from './cluster/membership-log.service.js';
import { SampleJobsController } from './jobs/sample-jobs.controller.js';
import { SampleJobsProcessor } from './jobs/sample-jobs.processor.js';
import { sampleWork } from './jobs/sample-work.queue.js';
import { CounterController } from './counter/counter.controller.js';
import { CounterService } from './counter/counter.service.js';
import { DashboardModule } from './dashboard/dashboard.module.js';
import { CachedFlagsController } from './flags/cached-flags.controller.js';
import { FlagsController } from './flags/flags.controller.js';
import { FlagsService } from './flags/flags.service.js';
import { OrderHandlers } from './orders/order-handlers.js';
import { OrdersController } from './orders/orders.controller.js';
import { OrdersService } from './orders/orders.service.js';
import { AuthController, SAMPLE_AUTH_SECRET } from './realtime/auth.controller.js';
import { LiveGateway } from './realtime/live.gateway.js';
import { OrderFeed } from './realtime/order-feed.handler.js';
import { RealtimeController } from './realtime/realtime.controller.js';
import { verifyToken } from './realtime/sample-auth.js';
import { SAMPLE_CONFIG, type SampleConfig } from './sample-config.js';
import { SingletonController } from './singleton/singleton.controller.js';
import { SingletonRuns } from './singleton/singleton-runs.service.js';
import { OrderWebhooks } from './webhooks/order-webhooks.handler.js';
import { WebhooksController } from './webhooks/webhooks.controller.js';

/** The sample app: one replica of a Shoal cluster. */
@Module({})
export class AppModule {
  static forConfig(config: SampleConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ScheduleModule.forRoot(),
        ClusterModule.forRoot(config.cluster),
        LeaderModule.forRoot(config.leader),
        EventBusModule.forRoot(config.events),
        JobsModule.forRoot(config.jobs),
        WebhooksModule.forRoot(config.webhooks),
        RealtimeModule.forRoot({
          adapter: config.realtime.adapter,
          sockets: config.realtime.sockets,
          namespace: '/live',
          authenticate: (handshake) =>
            verifyToken((handshake.auth as { token?: unknown }).token, config.realtime.authSecret),
        }),
        CacheModule.forRoot(config.cache),
        // GET /health/live, /health/ready, /health and /metrics; readiness 503 first on SIGTERM, then the drain.
        HealthModule.forRoot(config.health),
        MessagingModule.forRoot(),
        DashboardModule,
        JobsModule.registerQueue({
          ...sampleWork,
          concurrency: config.jobConcurrency,
          maxWaiting: config.jobMaxWaiting,
        }),
      ],
      controllers: [
        ClusterController,
        SingletonController,
        CounterController,
        OrdersController,
        SampleJobsController,
        WebhooksController,
        AuthController,
        RealtimeController,
        FlagsController,
        CachedFlagsController,
        AccountsController,
        ShardsController,
        AccountEntity,
      ],
      providers: [
        // Shoal's input errors answer 400/413/429, an unreachable Redis or Postgres answers 503.
        { provide: APP_FILTER, useClass: ShoalExceptionFilter },
        { provide: SAMPLE_CONFIG, useValue: config },
        MembershipLog,
        SingletonRuns,
        CounterService,
        OrdersService,
        OrderHandlers,
        SampleJobsProcessor,
        OrderWebhooks,
        LiveGateway,
        OrderFeed,
        { provide: SAMPLE_AUTH_SECRET, useValue: config.realtime.authSecret },
        FlagsService,
        AccountsStore,
        AccountStats,
      ],
    };
  }
}
