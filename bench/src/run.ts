/**
 * Shoal benchmarks: `npm run bench` (builds first) or `node bench/dist/run.js [scenario...]`.
 *
 * - With no arguments every scenario runs; otherwise only the named ones (`membership`, `leader`, `events`, `jobs`,
 *   `cache`, `realtime`, `messaging`, `health`, `postgres`).
 * - `BENCH_QUICK=1`: a smoke run with fewer rounds and trials and shorter windows (numbers are not meaningful).
 * - Each scenario has a time budget (membership: 6 min, 90 s quick; leader: 6 min, 90 s quick; events: 6 min,
 *   90 s quick; realtime: 7 min, 2 min quick; messaging: 10 min, 3 min quick; health: 5 min, 90 s quick; postgres: 8 min, 150 s quick); a scenario over budget is aborted and its
 *   processes killed. The whole run is bounded by the sum of the budgets plus 30 s.
 * - Prints one table per scenario to stdout (progress goes to stderr) and writes `bench/results/<scenario>.json`.
 * - Exit code: 0 when every target is met, 1 when a target is missed, 2 when a scenario failed or ran out of time.
 *
 * Needs `redis-server` on PATH (each contestant gets its own private server on a free loopback port), PostgreSQL
 * server binaries (private servers, see `PostgresServer` of @shoal/testing) and Linux (`/proc`).
 */
import { cpus, loadavg } from 'node:os';
import { formatTable, evaluateRows } from './harness/report.js';
import { writeResults } from './harness/results-file.js';
import type { Scenario } from './harness/scenario.js';
import { Scope } from './harness/scope.js';
import { cache } from './scenarios/cache.js';
import { events } from './scenarios/events.js';
import { health } from './scenarios/health.js';
import { jobs } from './scenarios/jobs.js';
import { leader } from './scenarios/leader.js';
import { membership } from './scenarios/membership.js';
import { messaging } from './scenarios/messaging.js';
import { postgresOnly } from './scenarios/postgres.js';
import { realtime } from './scenarios/realtime.js';

const SCENARIOS: readonly Scenario[] = [
  membership,
  leader,
  events,
  jobs,
  cache,
  realtime,
  messaging,
  health,
  postgresOnly,
];
/** Slack on top of the scenarios' budgets for the whole run. */
const RUN_SLACK_MS = 30_000;

type Verdict = 'met' | 'missed' | 'failed';

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function formatLoad(load: readonly number[]): string {
  return load.map((x) => x.toFixed(2)).join('/');
}

function selectScenarios(names: readonly string[]): Scenario[] {
  if (names.length === 0) return [...SCENARIOS];
  return names.map((name) => {
    const found = SCENARIOS.find((s) => s.name === name);
    if (!found) {
      throw new Error(`unknown scenario '${name}'; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
    }
    return found;
  });
}

/** Runs one scenario within its budget, prints its table and writes its results file. */
async function runScenario(scenario: Scenario, quick: boolean): Promise<Verdict> {
  const budgetMs = scenario.budgetMs(quick);
  const scope = new Scope();
  const began = performance.now();
  const loadAtStart = loadavg();
  log(`${scenario.name}: starting${quick ? ' (BENCH_QUICK)' : ''}, budget ${budgetMs / 1000} s`);
  let timer: NodeJS.Timeout | undefined;
  const overBudget = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`${scenario.name} exceeded its budget of ${budgetMs / 1000} s`);
      scope.abort(error);
      reject(error);
    }, budgetMs);
  });
  try {
    const context = { quick, scope, log: (m: string) => log(`${scenario.name}: ${m}`) };
    const outcome = await Promise.race([scenario.run(context), overBudget]);
    const durationMs = Math.round(performance.now() - began);
    const rows = evaluateRows(outcome.rows);
    const notes = [
      ...outcome.notes,
      `took ${(durationMs / 1000).toFixed(1)} s${quick ? ' (BENCH_QUICK)' : ''}; load average (1/5/15 min) ` +
        `${formatLoad(loadAtStart)} at the start, ${formatLoad(loadavg())} at the end, on ${cpus().length} cores ` +
        '(other work on the machine skews the numbers).',
    ];
    process.stdout.write(`\n${formatTable(scenario.name, rows, notes)}\n\n`);
    const path = await writeResults({
      scenario: scenario.name,
      quick,
      rounds: outcome.rounds,
      settings: outcome.settings,
      durationMs,
      samples: outcome.samples,
      summary: rows,
      notes,
    });
    log(`${scenario.name}: results written to ${path}`);
    return rows.some((row) => row.met === false) ? 'missed' : 'met';
  } catch (error) {
    log(`${scenario.name}: FAILED: ${error instanceof Error ? error.message : String(error)}`);
    return 'failed';
  } finally {
    clearTimeout(timer);
    await scope.close();
  }
}

async function main(): Promise<number> {
  const quick = process.env.BENCH_QUICK === '1';
  const scenarios = selectScenarios(process.argv.slice(2));
  const totalMs = scenarios.reduce((sum, s) => sum + s.budgetMs(quick), 0) + RUN_SLACK_MS;
  // Last resort: exiting SIGKILLs every child the harness started (see @shoal/testing's exit registry).
  setTimeout(() => {
    log(`the run exceeded its bound of ${totalMs / 1000} s; exiting`);
    process.exit(2);
  }, totalMs).unref();
  const verdicts: Verdict[] = [];
  for (const scenario of scenarios) verdicts.push(await runScenario(scenario, quick));
  if (verdicts.includes('failed')) return 2;
  if (verdicts.includes('missed')) {
    log('some targets were missed (see the tables)');
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(error instanceof Error ? error.message : String(error));
    process.exit(2);
  },
);
