import type { InterleavedSamples } from './interleave.js';
import type { MetricRow } from './report.js';
import type { Scope } from './scope.js';

/** What a scenario gets to run with. */
export interface ScenarioContext {
  /** `BENCH_QUICK=1`: a smoke run with fewer rounds and trials. */
  readonly quick: boolean;
  /** Owns everything the scenario starts; aborted and closed when the scenario's time is up. */
  readonly scope: Scope;
  /** Prints a progress line (to stderr). */
  readonly log: (message: string) => void;
}

/** What a scenario hands back to the runner. */
export interface ScenarioOutcome {
  readonly rounds: number;
  readonly settings: Readonly<Record<string, number | string | boolean>>;
  readonly samples: InterleavedSamples;
  /** The table rows, in print order. */
  readonly rows: readonly MetricRow[];
  /** Printed under the table and stored, e.g. what the `raw` column stands for. */
  readonly notes: readonly string[];
}

/** One benchmark scenario, run by `bench/src/run.ts`. */
export interface Scenario {
  /** Name on the command line and of the results file. */
  readonly name: string;
  /** The longest the scenario may take; it is aborted after that. */
  budgetMs(quick: boolean): number;
  run(context: ScenarioContext): Promise<ScenarioOutcome>;
}
