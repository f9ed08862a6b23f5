import { resolve } from 'node:path';
import { JOBS_DEFAULTS } from '@shoal/jobs';
import { NodeProcess } from '@shoal/testing';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { NOOP_JOB, NOOP_QUEUE } from '../fixtures/jobs-bench.js';
import type { Contestant } from '../harness/interleave.js';
import type { Scope } from '../harness/scope.js';
import { sleep } from '../harness/sleep.js';
import { randomPrefix } from './membership-nodes.js';

/** The worker process each contestant runs on Postgres: Shoal's `JobsModule` on pg-boss, or pg-boss itself. */
const WORKER_SCRIPT: Readonly<Record<Contestant, string>> = {
  shoal: resolve(import.meta.dirname, '../fixtures/jobs-worker-app.js'),
  raw: resolve(import.meta.dirname, '../fixtures/jobs-raw-pgboss-worker.js'),
};

/** Shape of one Postgres jobs turn. */
export interface PgJobsSettings {
  /** No-op jobs pre-filled, then worked off. */
  readonly jobs: number;
  /** The worker's concurrency (raw: its fetch `batchSize`). */
  readonly concurrency: number;
}

/** Samples of one Postgres jobs turn. */
export interface PgJobsSamples {
  /** Jobs completed per second: jobs / (first job started → last job completed), from pg-boss's own columns. */
  pg_jobs_per_s: number[];
}

const INSERT_CHUNK = 1000;
const POLL_MS = 50;
const TURN_TIMEOUT_MS = 120_000;

/**
 * One contestant's turn on the scenario's private Postgres, in a fresh pg-boss schema `<prefix>_jobs`: the queue is
 * created with the options Shoal's backend gives it (same call, so Shoal's own `createQueue` is a no-op) and
 * pre-filled with `jobs` no-op jobs in Shoal's payload shape; then the worker process starts and works them off.
 * The rate comes from the job rows: `jobs / (max(completed_on) − min(started_on))`, so start-up is not counted.
 */
export function pgJobsTurn(
  contestant: Contestant,
  round: number,
  databaseUrl: string,
  settings: PgJobsSettings,
  parent: Scope,
): Promise<PgJobsSamples> {
  return parent.child(async (scope) => {
    const prefix = randomPrefix();
    const schema = `${prefix}_jobs`;
    const client = new pg.Client({ connectionString: databaseUrl, application_name: 'bench' });
    client.on('error', () => undefined);
    await client.connect();
    scope.defer(async () => {
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
      await client.end().catch(() => undefined);
    });

    const boss = new PgBoss({
      connectionString: databaseUrl,
      schema,
      schedule: false,
      supervise: false,
      max: 2,
    });
    boss.on('error', () => undefined);
    await boss.start();
    await boss.createQueue(NOOP_QUEUE, {
      name: NOOP_QUEUE,
      retryLimit: JOBS_DEFAULTS.attempts - 1,
      retryDelay: 0,
      retryBackoff: false,
      expireInSeconds: Math.ceil(JOBS_DEFAULTS.stalled.lockDuration / 1000),
    });
    for (let from = 0; from < settings.jobs; from += INSERT_CHUNK) {
      const count = Math.min(INSERT_CHUNK, settings.jobs - from);
      await boss.insert(
        Array.from({ length: count }, (_, i) => ({
          name: NOOP_QUEUE,
          data: { n: NOOP_JOB, d: { i: from + i } },
        })),
      );
    }
    await boss.stop({ graceful: false, wait: true });

    const worker = new NodeProcess({
      name: `pgjobs-${contestant}-r${round}`,
      script: WORKER_SCRIPT[contestant],
      env: {
        DATABASE_URL: databaseUrl,
        REDIS_URL: '',
        BENCH_STORE: 'postgres',
        SHOAL_PREFIX: prefix,
        SHOAL_NODE_ID: `pgjobs-${contestant}-r${round}`,
        JOBS_CONCURRENCY: String(settings.concurrency),
        NO_COLOR: '1',
      },
    });
    scope.track(worker, (w) => w.kill());
    await worker.start();

    const table = `"${schema}".job`;
    const began = performance.now();
    for (;;) {
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${table} WHERE name = $1 AND state < 'completed'`,
        [NOOP_QUEUE],
      );
      if (rows[0].n === 0) break;
      if (performance.now() - began > TURN_TIMEOUT_MS)
        throw new Error(`${contestant}: ${rows[0].n} jobs left after ${TURN_TIMEOUT_MS / 1000} s`);
      await sleep(POLL_MS, scope.signal);
    }
    const { rows } = await client.query<{ seconds: number; completed: number }>(
      `SELECT extract(epoch FROM max(completed_on) - min(started_on))::float8 AS seconds,
              count(*) FILTER (WHERE state = 'completed')::int AS completed
       FROM ${table} WHERE name = $1`,
      [NOOP_QUEUE],
    );
    if (rows[0].completed !== settings.jobs)
      throw new Error(`${contestant}: ${rows[0].completed} of ${settings.jobs} jobs completed`);
    return { pg_jobs_per_s: [settings.jobs / rows[0].seconds] };
  });
}
