import { afterAll, describe, expect, it } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClusterModule } from '@shoal/cluster';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { InjectQueue } from './decorators/inject-queue.decorator.js';
import { JobsModule } from './jobs.module.js';
import { JobsService } from './jobs.service.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `t_${Math.random().toString(36).slice(2, 10)}`;

const cluster = ClusterModule.forRoot({
  redis: REDIS_URL,
  store: 'redis',
  prefix,
  nodeId: 'solo',
  isGlobal: false,
});
const jobs = JobsModule.forRoot({ isGlobal: false, imports: [cluster] });

@Injectable()
class Reports {
  constructor(@InjectQueue('reports') readonly queue: Queue) {}
}

/** Registers a queue without importing `jobs`: the queue finds the app's JobsModule anyway. */
@Module({ imports: [JobsModule.registerQueue({ name: 'reports' })], providers: [Reports] })
class ReportsModule {}

@Injectable()
class NeedsJobs {
  constructor(readonly jobs: JobsService) {}
}

describe('JobsModule with isGlobal: false', () => {
  afterAll(async () => {
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('registerQueue works in a module that does not import JobsModule, as with @nestjs/bullmq', async () => {
    @Module({ imports: [cluster, jobs, ReportsModule] })
    class App {}
    const app = await NestFactory.createApplicationContext(App, { logger: ['error'] });
    try {
      const queue = app.get(Reports, { strict: false }).queue;
      const job = await queue.add('monthly', { month: '2026-11' });
      expect(await queue.getJob(job.id!)).toMatchObject({ name: 'monthly', data: { month: '2026-11' } });
    } finally {
      await app.close();
    }
  });

  it('JobsService is seen only by the modules that import JobsModule', async () => {
    @Module({ providers: [NeedsJobs] })
    class Outsider {}
    @Module({ imports: [cluster, jobs, Outsider] })
    class App {}
    await expect(
      NestFactory.createApplicationContext(App, { logger: false, abortOnError: false }),
    ).rejects.toThrow(/NeedsJobs/);
  });
});
