import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ClusterModule, RequestContext } from '@shoal/cluster';
import { EventBus, EventBusModule, IntegrationEvent, OnEvent, type EventContext } from '@shoal/events';
import { LeaderModule } from '@shoal/leader';
import { eventually } from '@shoal/testing';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Process } from '../decorators/process.decorator.js';
import { Processor } from '../decorators/processor.decorator.js';
import { JobsModule } from '../jobs.module.js';
import { JobsService } from '../jobs.service.js';
import type { Job } from './job.js';
import { WorkerHost } from './worker-host.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const prefix = `t_${Math.random().toString(36).slice(2, 10)}`;

@IntegrationEvent('context.tested')
class ContextTested {
  constructor(readonly key: string) {}
}

/** What each handler saw: its context's correlation id and origin, by key. */
const seen = new Map<string, { correlationId?: string; origin?: string; envelope?: string }>();

@Injectable()
class ContextHandlers {
  constructor(private readonly jobs: JobsService) {}

  @OnEvent(ContextTested)
  async onEvent(event: ContextTested, { envelope }: EventContext): Promise<void> {
    const context = RequestContext.current();
    seen.set(`event:${event.key}`, { ...context, envelope: envelope.correlationId });
    await this.jobs.enqueue('context-work', 'record', { key: `from-event:${event.key}` });
  }
}

@Processor('context-work')
@Injectable()
class ContextProcessor extends WorkerHost<Job<{ key: string }>> {
  @Process('record')
  record(job: Job<{ key: string }>): void {
    seen.set(`job:${job.data.key}`, { ...RequestContext.current() });
  }
}

describe('request context through events and jobs', () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ClusterModule.forRoot({ redis: REDIS_URL, postgres: DATABASE_URL, prefix, nodeId: 'context-1' }),
        LeaderModule.forRoot(),
        EventBusModule.forRoot(),
        JobsModule.forRoot(),
        JobsModule.registerQueue({ name: 'context-work' }),
      ],
      providers: [ContextHandlers, ContextProcessor],
    }).compile();
    app = moduleRef.createNestApplication({ logger: ['error'] });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  }, 30_000);

  afterAll(async () => {
    await app?.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${prefix}" CASCADE`);
    await client.end();
  });

  it('a job enqueued inside a context runs in a context with its correlation id', async () => {
    const jobs = app.get(JobsService);
    await RequestContext.run({ correlationId: 'job-abc', origin: 'http' }, () =>
      jobs.enqueue('context-work', 'record', { key: 'direct' }),
    );
    await jobs.enqueue('context-work', 'record', { key: 'no-context' });
    await eventually(() => seen.has('job:direct') && seen.has('job:no-context'));
    expect(seen.get('job:direct')).toEqual({ correlationId: 'job-abc', origin: 'job' });
    expect(seen.get('job:no-context')).toMatchObject({ origin: 'job' });
    expect(seen.get('job:no-context')?.correlationId).not.toBe('job-abc');
  });

  it('an event published inside a context carries its id; the handler and the jobs it enqueues run with it', async () => {
    const [envelope] = await RequestContext.run({ correlationId: 'abc', origin: 'http' }, () =>
      app.get(EventBus).publish(new ContextTested('one')),
    );
    expect(envelope.correlationId).toBe('abc');
    await eventually(() => seen.has('job:from-event:one'), { what: 'the job the handler enqueued' });
    expect(seen.get('event:one')).toEqual({ correlationId: 'abc', origin: 'event', envelope: 'abc' });
    expect(seen.get('job:from-event:one')).toEqual({ correlationId: 'abc', origin: 'job' });
  });

  it('an HTTP request runs in a context from x-request-id or traceparent, answered in x-request-id', async () => {
    const byRequestId = await fetch(`${base}/nothing-here`, { headers: { 'x-request-id': 'abc' } });
    expect(byRequestId.headers.get('x-request-id')).toBe('abc');
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const byTrace = await fetch(`${base}/nothing-here`, { headers: { traceparent } });
    expect(byTrace.headers.get('x-request-id')).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    const fresh = await fetch(`${base}/nothing-here`);
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
