import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable, Logger, Module, type DynamicModule } from '@nestjs/common';
import { ClusterConnections, ClusterModule } from '@shoal/cluster';
import { EventBusModule } from '@shoal/events';
import { LeaderModule } from '@shoal/leader';
import { InProcessCluster, eventually } from '@shoal/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { z } from 'zod';
import { JobDeadLetters } from './dead-letters/job-dead-letters.js';
import { InjectQueue } from './decorators/inject-queue.decorator.js';
import { OnWorkerEvent } from './decorators/on-worker-event.decorator.js';
import { Process } from './decorators/process.decorator.js';
import { Processor } from './decorators/processor.decorator.js';
import { JobValidationError } from './errors/job-validation.error.js';
import { QueueFullError } from './errors/queue-full.error.js';
import { JobsModule } from './jobs.module.js';
import { JobsService } from './jobs.service.js';
import { defineQueue } from './queues/queue-definition.js';
import { QueueRegistry } from './queues/queue-registry.js';
import type { Job, JobOf } from './workers/job.js';
import { WorkerHost } from './workers/worker-host.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
type Backend = 'redis' | 'postgres';

const done = new Map<string, number>();
const attempts = new Map<string, number>();
const failedEvents: string[] = [];
const replies: unknown[] = [];
const gates: (() => void)[] = [];
const priorityOrder: number[] = [];
/** Runs of each `store-outage` job, and its `attemptsMade` when it finally succeeded. */
const outageRuns = new Map<string, number>();
const outageSucceeded = new Map<string, number>();
let slowActive = 0;
let slowFinished = 0;

const work = defineQueue({
  name: 'work',
  concurrency: 50,
  jobs: {
    count: z.object({ key: z.string() }),
    'always-fails': z.object({ key: z.string() }),
    'store-outage': z.object({ key: z.string() }),
    slow: z.object({}),
  },
});

/** Per-name dispatch with `@Process`, on the `WorkerHost` base. */
@Processor(work.name)
@Injectable()
class WorkProcessor extends WorkerHost<JobOf<typeof work>> {
  @Process('count')
  count(job: Job<{ key: string }>): void {
    done.set(job.data.key, (done.get(job.data.key) ?? 0) + 1);
  }

  @Process('always-fails')
  fail(job: Job<{ key: string }>): never {
    attempts.set(job.data.key, job.attemptsMade + 1);
    throw new Error(`failing on purpose (attempt ${job.attemptsMade + 1})`);
  }

  /** Fails its first 4 runs as a handler does while Postgres or Redis is unreachable (pg's error for a refused connect). */
  @Process('store-outage')
  storeOutage(job: Job<{ key: string }>): void {
    const runs = (outageRuns.get(job.data.key) ?? 0) + 1;
    outageRuns.set(job.data.key, runs);
    if (runs <= 4) {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    }
    outageSucceeded.set(job.data.key, job.attemptsMade);
  }

  @Process('slow')
  async slow(): Promise<void> {
    slowActive += 1;
    await new Promise((r) => setTimeout(r, 1500));
    slowFinished += 1;
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job<{ key: string }>, error: Error): void {
    failedEvents.push(`${job.data.key}: ${error.message}`);
  }
}

/** `process(job)` overridden, as with `@nestjs/bullmq`. */
@Processor({ name: 'echo' })
@Injectable()
class EchoProcessor extends WorkerHost {
  override async process(job: Job<{ say: string }>): Promise<string> {
    replies.push(job.data.say);
    return job.data.say.toUpperCase();
  }
}

/** One job at a time per node; `gate` jobs hold their node's worker until released. */
@Processor('prio')
@Injectable()
class PriorityProcessor extends WorkerHost {
  override async process(job: Job<{ p?: number }>): Promise<void> {
    if (job.name === 'gate') await new Promise<void>((release) => gates.push(release));
    else priorityOrder.push(job.data.p ?? 0);
  }
}

/** `@InjectQueue` gives the queue's BullMQ `Queue`. */
@Injectable()
class QueueUser {
  constructor(@InjectQueue('echo') readonly echo: Queue) {}
}

@Module({})
class JobsTestModule {}

/** A node on Redis + Postgres, or on Postgres alone (no Redis configured: jobs choose pg-boss by default). */
function node(backend: Backend, prefix: string) {
  return (index: number): DynamicModule => ({
    module: JobsTestModule,
    imports: [
      ClusterModule.forRoot(
        backend === 'redis'
          ? { redis: REDIS_URL, postgres: DATABASE_URL, prefix, nodeId: `${prefix}-j${index}` }
          : { postgres: DATABASE_URL, store: 'postgres', prefix, nodeId: `${prefix}-j${index}` },
      ),
      LeaderModule.forRoot(),
      EventBusModule.forRoot({ relay: { pollInterval: 200 } }),
      JobsModule.forRoot({ defaults: { attempts: 3, backoff: { delay: 20, jitter: 0.5 } } }),
      JobsModule.registerQueue(work, { name: 'bounded', maxWaiting: 5 }),
      JobsModule.registerQueueAsync({ name: 'echo', useFactory: () => ({ concurrency: 2 }) }),
      JobsModule.registerQueue({ name: 'prio', concurrency: 1 }),
    ],
    providers: [WorkProcessor, EchoProcessor, PriorityProcessor, QueueUser],
  });
}

const backends: [string, Backend][] = [
  ['Redis (BullMQ)', 'redis'],
  ['Postgres alone (pg-boss)', 'postgres'],
];

describe.each(backends)('JobsModule on %s (3 in-process nodes)', (_, backend) => {
  const prefix = `t_${Math.random().toString(36).slice(2, 10)}`;
  let group: InProcessCluster;
  let jobs: JobsService;

  beforeAll(async () => {
    for (const map of [done, attempts, outageRuns, outageSucceeded]) map.clear();
    failedEvents.length = 0;
    replies.length = 0;
    gates.length = 0;
    priorityOrder.length = 0;
    slowActive = 0;
    slowFinished = 0;
    group = await InProcessCluster.start(3, node(backend, prefix));
    jobs = group.nodes[0].app.get(JobsService);
  }, 60_000);

  afterAll(async () => {
    await group.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
    await redis.quit();
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${prefix}" CASCADE`);
    await client.query(`DROP SCHEMA IF EXISTS "${prefix}_jobs" CASCADE`);
    await client.end();
  });

  it('runs 5,000 jobs, each once, spread over the nodes', async () => {
    const services = group.all(JobsService);
    await Promise.all(
      Array.from({ length: 5000 }, (_, i) => services[i % 3].enqueue(work, 'count', { key: `k${i}` })),
    );
    await eventually(() => done.size === 5000, { what: '5,000 jobs', timeoutMs: 60_000 });
    await new Promise((r) => setTimeout(r, 300));
    expect([...done.values()].every((n) => n === 1)).toBe(true);
  }, 90_000);

  it('keeps each node within its Postgres budget: the pool (5) and one LISTEN connection, jobs included', async () => {
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string; n: number }>(
        `SELECT application_name AS name, count(*)::int AS n FROM pg_stat_activity
         WHERE application_name LIKE $1 GROUP BY 1`,
        [`shoal:${prefix}-j%`],
      );
      console.log(`${backend}: Postgres connections per node after 5,000 jobs: ${JSON.stringify(rows)}`);
      expect(rows).toHaveLength(3);
      for (const row of rows) expect(row.n).toBeLessThanOrEqual(6);
    } finally {
      await client.end();
    }
  });

  it('enqueues one job for one idempotency key', async () => {
    const first = await jobs.enqueue(work, 'count', { key: 'once' }, { idempotencyKey: 'order-42:receipt' });
    const second = await group.nodes[1].app
      .get(JobsService)
      .enqueue(work, 'count', { key: 'once' }, { idempotencyKey: 'order-42:receipt' });
    expect(second.id).toBe(first.id);
    await eventually(() => done.get('once') === 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(done.get('once')).toBe(1);
  });

  it('dead-letters a job after its last attempt with the error, and replays it', async () => {
    const { id } = await jobs.enqueue(work, 'always-fails', { key: 'poison' });
    const deadLetters = group.nodes[2].app.get(JobDeadLetters);
    const [dead] = await eventually(async () => {
      const list = await deadLetters.list('work');
      return list.length === 1 ? list : undefined;
    });
    expect(dead).toMatchObject({
      originalId: id,
      name: 'always-fails',
      data: { key: 'poison' },
      attempts: 3,
    });
    expect(dead.error).toMatch(/failing on purpose \(attempt 3\)/);
    expect(dead.stack).toMatch(/WorkProcessor/);
    expect(attempts.get('poison')).toBe(3);
    // @OnWorkerEvent('failed') hears each failed attempt, on whichever node ran it (the last one after dead-lettering).
    const poisonEvents = () => failedEvents.filter((e) => e.startsWith('poison:'));
    await eventually(() => poisonEvents().length >= 3, { what: 'three failed events' });
    expect(poisonEvents()).toHaveLength(3);

    attempts.delete('poison');
    expect(await deadLetters.replay('work', dead.id)).toBeDefined();
    await eventually(() => attempts.get('poison') === 3, { what: 'the replay ran all attempts' });
    await eventually(async () => (await deadLetters.list('work')).length === 1);
    expect(await deadLetters.purge('work')).toBe(1);
    expect(await deadLetters.list('work')).toEqual([]);
  });

  it('runs a job that failed for an unreachable store again without spending an attempt: 4 such failures, 3 attempts, no dead letter', async () => {
    await jobs.enqueue(work, 'store-outage', { key: 'outage' });
    await eventually(() => outageSucceeded.has('outage'), { what: 'the job succeeding on its fifth run' });
    expect({ runs: outageRuns.get('outage'), attemptsMade: outageSucceeded.get('outage') }).toEqual({
      runs: 5,
      attemptsMade: 0,
    });
    expect(failedEvents.filter((e) => e.startsWith('outage:'))).toEqual([]);
    const dead = await group.nodes[0].app.get(JobDeadLetters).list('work');
    expect(dead.filter((d) => d.name === 'store-outage')).toEqual([]);
  });

  it('runs a WorkerHost that overrides process(job); @InjectQueue gives the BullMQ Queue (Redis) or says why not', async () => {
    const queue = group.nodes[1].app.get(QueueUser).echo;
    const { id } = await jobs.enqueue('echo', 'say', { say: 'hello' });
    await eventually(() => replies.includes('hello'));
    if (backend === 'redis') {
      expect(queue).toBeInstanceOf(Queue);
      const job = await eventually(async () => {
        const found = await queue.getJob(id);
        return found?.returnvalue ? found : undefined;
      });
      expect(job.returnvalue).toBe('HELLO');
    } else {
      expect(() => queue.getJob(id)).toThrow(/needs the Redis backend; on Postgres use JobsService/);
      await eventually(async () => (await jobs.counts('echo')).completed === 1, { what: 'completed' });
    }
  });

  it("registers only the app's queues: no webhook queue or worker without WebhooksModule", () => {
    const names = group.nodes[0].app
      .get(QueueRegistry)
      .all()
      .map((q) => q.name);
    expect(names.sort()).toEqual(['bounded', 'echo', 'prio', 'work']);
  });

  it('holds a delayed job back until its delay has passed', async () => {
    await jobs.enqueue(work, 'count', { key: 'later' }, { delay: 1500 });
    expect((await jobs.counts(work)).delayed).toBeGreaterThanOrEqual(1);
    expect(done.has('later')).toBe(false);
    await eventually(() => done.get('later') === 1, { what: 'the delayed job', timeoutMs: 10_000 });
  });

  it('runs waiting jobs by priority, 1 first', async () => {
    // Every node's single worker slot is held by a gate job; the prioritized jobs queue up behind them.
    await Promise.all([1, 2, 3].map(() => jobs.enqueue('prio', 'gate', {})));
    await eventually(() => gates.length === 3, { what: 'three gates held' });
    for (const p of [3, 1, 2]) await jobs.enqueue('prio', 'p', { p }, { priority: p });
    expect((await jobs.counts('prio')).waiting).toBe(3);
    gates.shift()?.(); // one node runs them all, in priority order
    await eventually(() => priorityOrder.length === 3, { what: 'three prioritized jobs' });
    expect(priorityOrder).toEqual([1, 2, 3]);
    for (const release of gates.splice(0)) release();
  });

  it('refuses invalid data and unknown job names at enqueue, typed queues at compile time too', async () => {
    // @ts-expect-error `key` must be a string: the compiler refuses it, and so does enqueue at run time.
    await expect(jobs.enqueue(work, 'count', { key: 42 })).rejects.toBeInstanceOf(JobValidationError);
    await expect(jobs.enqueue('work', 'count', { key: 42 })).rejects.toThrow(/key: /);
    // @ts-expect-error no job named `nope` on this queue.
    await expect(jobs.enqueue(work, 'nope', {})).rejects.toThrow(/no job named "nope"/);
  });

  it('rejects with QueueFullError past maxWaiting', async () => {
    for (let i = 0; i < 5; i += 1) await jobs.enqueue('bounded', 'x', { i }); // no worker on this queue
    await expect(jobs.enqueue('bounded', 'x', { i: 5 })).rejects.toBeInstanceOf(QueueFullError);
    expect((await jobs.counts('bounded')).waiting).toBe(5);
  });

  it('enqueues through the outbox only when the transaction commits', async () => {
    const dataSource = group.nodes[1].app.get(ClusterConnections).postgres();
    const service = group.nodes[1].app.get(JobsService);
    await dataSource.transaction((manager) =>
      service.enqueue(work, 'count', { key: 'committed' }, { manager }),
    );
    await expect(
      dataSource.transaction(async (manager) => {
        await service.enqueue(work, 'count', { key: 'rolled-back' }, { manager });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    await eventually(() => done.get('committed') === 1, { what: 'the committed job' });
    await new Promise((r) => setTimeout(r, 800));
    expect(done.has('rolled-back')).toBe(false);
  });

  it('drains 50 active slow jobs at shutdown before closing anything (no "Connection is closed")', async () => {
    const errors: string[] = [];
    const original = Logger.prototype.error;
    Logger.prototype.error = function (this: Logger, message: unknown, ...rest: unknown[]) {
      errors.push(String(message));
      return original.call(this, message, ...rest);
    };
    const unhandled = (reason: unknown) => errors.push(String(reason));
    process.on('unhandledRejection', unhandled);
    try {
      await Promise.all(Array.from({ length: 50 }, () => jobs.enqueue(work, 'slow', {})));
      await eventually(() => slowActive >= 50, { what: '50 active', timeoutMs: 10_000 });
      await group.close();
      expect(slowFinished).toBe(50);
      expect(errors.filter((e) => /Connection is closed/i.test(e))).toEqual([]);
    } finally {
      Logger.prototype.error = original;
      process.off('unhandledRejection', unhandled);
    }
  }, 30_000);
});
