/**
 * Growth bench: `npm run bench:growth` (builds first) or `node bench/dist/growth/run-growth.js [N...]`.
 *
 * Runs N simulated members (`SimulatedMember`: the store calls of `ClusterService`, without Nest) for N = 10, 50,
 * 100, 300 against one private `redis-server` and one private PostgreSQL, with the default heartbeat (500 ms) and
 * failure timeout (2000 ms). Per N and store: operations per second the store serves, its CPU, Redis bytes per
 * second, how long a join takes to be seen and a crash to be detected, and how many of 4096 keys move on a join.
 * Writes `bench/results/growth.json` and the chart `docs/growth.svg`, and prints a Markdown table.
 * `BENCH_QUICK=1`: shorter windows, one trial. `BENCH_CHART_ONLY=1`: measure nothing, redraw the chart from the
 * last `bench/results/growth.json`.
 */
import { PostgresServer, RedisServer } from '@shoal/testing';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import pg from 'pg';
import { RESULTS_DIR } from '../harness/results-file.js';
import { growthChart, type GrowthPoint } from './growth-chart.js';
import { growthRound, postgresGrowthStore, redisGrowthStore, type RoundSettings } from './growth-round.js';
import { postgresCounters, redisCounters } from './store-probe.js';

const DOCS_DIR = resolve(import.meta.dirname, '../../../docs');
const quick = process.env.BENCH_QUICK === '1';
const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const SIZES = sizes.length > 0 ? sizes : [10, 50, 100, 300];
const SETTINGS: RoundSettings = {
  timing: { heartbeatInterval: 500, failureTimeout: 2000 },
  settleMs: quick ? 1000 : 3000,
  windowMs: quick ? 2000 : 6000,
  trials: quick ? 1 : 3,
};

function log(message: string): void {
  process.stderr.write(`[growth ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function table(points: readonly GrowthPoint[]): string {
  const lines = [
    '| store | members | beats/member/s | ops/s | store CPU % | bytes/s | join seen (ms) | crash detected (ms) | keys moved per join (of 4096) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const p of points) {
    const bytes = p.store === 'redis' ? `${Math.round(p.bytesPerSecond / 1024)} KB` : 'n/a';
    lines.push(
      `| ${p.store} | ${p.members} | ${p.beatsPerMemberPerSecond} | ${Math.round(p.operationsPerSecond)} | ${p.cpuPercent.toFixed(1)} | ${bytes} | ` +
        `${p.joinVisibleMs} | ${p.crashDetectedMs} | ${p.shardMovesPerJoin} |`,
    );
  }
  return lines.join('\n');
}

/** Writes the results file and the chart for the points measured so far (a run cut short still leaves both). */
async function writeOutputs(
  points: readonly GrowthPoint[],
  failures: readonly string[],
  loadAtStart: number[],
) {
  const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const load = `${loadAtStart.map((x) => x.toFixed(1)).join('/')} → ${loadavg()
    .map((x) => x.toFixed(1))
    .join('/')}`;
  const caption =
    `${when} UTC, ${cpus().length} cores, load ${load}; heartbeat 500 ms, failure timeout 2000 ms; ` +
    `${SETTINGS.windowMs / 1000} s window, median of ${SETTINGS.trials} trial(s)${quick ? ' (BENCH_QUICK)' : ''}`;
  await writeFile(
    resolve(RESULTS_DIR, 'growth.json'),
    `${JSON.stringify({ caption, settings: SETTINGS, points, failures }, null, 2)}\n`,
  );
  await writeFile(resolve(DOCS_DIR, 'growth.svg'), growthChart(points, caption));
  return caption;
}

/** Redraws the chart from the last results file. */
async function redrawChart(): Promise<void> {
  const saved = JSON.parse(await readFile(resolve(RESULTS_DIR, 'growth.json'), 'utf8')) as {
    caption: string;
    points: GrowthPoint[];
  };
  await writeFile(resolve(DOCS_DIR, 'growth.svg'), growthChart(saved.points, saved.caption));
}

async function main(): Promise<void> {
  if (process.env.BENCH_CHART_ONLY === '1') return redrawChart();
  const loadAtStart = loadavg();
  const redisServer = await RedisServer.start();
  const postgresServer = await PostgresServer.start();
  const probe = new pg.Client({ connectionString: postgresServer.url });
  await probe.connect();
  const points: GrowthPoint[] = [];
  const failures: string[] = [];
  try {
    const redis = redisGrowthStore(redisServer.url, (client) => redisCounters(client, redisServer.pid ?? 0));
    const postgres = postgresGrowthStore(postgresServer.url, () =>
      postgresCounters(probe, 'postgres', postgresServer.pid ?? 0),
    );
    for (const members of SIZES) {
      for (const store of [redis, postgres]) {
        log(`${store.kind}: ${members} members`);
        try {
          const point = await growthRound(store, members, SETTINGS);
          log(JSON.stringify(point));
          points.push(point);
          await writeOutputs(points, failures, loadAtStart);
        } catch (error) {
          log(`${store.kind} at ${members} members not measured: ${String(error)}`);
          failures.push(
            `${store.kind} at ${members} members: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
      }
    }
  } finally {
    await probe.end();
    await redisServer.stop();
    await postgresServer.stop();
  }
  const caption = await writeOutputs(points, failures, loadAtStart);
  const failed = failures.map((failure) => `\nNot measured: ${failure}`).join('');
  process.stdout.write(`\n${table(points)}\n\n${caption}\n${failed}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  },
);
