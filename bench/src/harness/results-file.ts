import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { InterleavedSamples } from './interleave.js';
import { machineInfo } from './machine.js';
import { provenance } from './provenance.js';
import type { EvaluatedRow } from './report.js';

/** `bench/results` (this file runs from `bench/dist/harness`). */
export const RESULTS_DIR = resolve(import.meta.dirname, '../../results');

/** What one scenario run stores besides the machine facts. */
export interface ScenarioRecord {
  readonly scenario: string;
  readonly quick: boolean;
  readonly rounds: number;
  /** Trial counts, windows and other settings the run used. */
  readonly settings: Readonly<Record<string, number | string | boolean>>;
  readonly durationMs: number;
  readonly samples: InterleavedSamples;
  /** The evaluated table rows: summaries, ratios, targets and whether each is met. */
  readonly summary: readonly EvaluatedRow[];
  readonly notes: readonly string[];
}

/**
 * Writes `bench/results/<scenario>.json` (overwriting the previous run): date, Node version, OS, CPU, git commit,
 * rounds, settings, every raw sample, the summary and the targets. Returns the path.
 */
export async function writeResults(record: ScenarioRecord): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${record.scenario}.json`);
  const targets = Object.fromEntries(
    record.summary.filter((row) => row.target).map((row) => [row.metric, row.target]),
  );
  const body = { date: new Date().toISOString(), ...machineInfo(), code: provenance(), ...record, targets };
  await writeFile(path, `${JSON.stringify(body, null, 2)}\n`);
  return path;
}
