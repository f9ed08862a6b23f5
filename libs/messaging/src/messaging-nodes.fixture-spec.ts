import { type DynamicModule, type INestApplication, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClusterModule } from '@shoal/cluster';
import { LeaderModule } from '@shoal/leader';
import { MessagingModule } from './messaging.module.js';
import type { MessagingModuleOptions } from './messaging-options.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A fresh key prefix per test, so suites never see each other's data. */
export const testPrefix = (): string => `t_msg_${Math.random().toString(36).slice(2, 10)}`;

export interface NodeSpec {
  readonly id: string;
  readonly prefix: string;
  readonly controllers?: Type<unknown>[];
  readonly providers?: Type<unknown>[];
  readonly messaging?: MessagingModuleOptions;
  /** Connect the transport (serve handlers, host shards). Default true. */
  readonly listen?: boolean;
}

/** One hybrid Nest app of a test cluster: Cluster + Leader + Messaging on the shared Redis. */
export async function startNode(spec: NodeSpec): Promise<INestApplication> {
  @Module({})
  class Root {}
  const root: DynamicModule = {
    module: Root,
    imports: [
      ClusterModule.forRoot({
        redis: REDIS_URL,
        prefix: spec.prefix,
        nodeId: spec.id,
        store: 'redis',
        heartbeatInterval: 100,
        failureTimeout: 1000,
      }),
      LeaderModule.forRoot({ leaseTtl: 1000, retryInterval: 100, shutdownGracePeriod: 2000 }),
      MessagingModule.forRoot(spec.messaging ?? {}),
    ],
    controllers: spec.controllers ?? [],
    providers: spec.providers ?? [],
  };
  const app = await NestFactory.create(root, { logger: ['error', 'warn'] });
  if (spec.listen !== false) MessagingModule.connect(app);
  await app.init();
  if (spec.listen !== false) await app.startAllMicroservices();
  return app;
}
