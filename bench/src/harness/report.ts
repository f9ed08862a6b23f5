import type { Summary } from './stats.js';
import { describeTarget, meets, type Target } from './targets.js';

/** One line of a scenario's result table. */
export interface MetricRow {
  /** What is measured, with its unit, e.g. `join seen (ms)`. */
  readonly metric: string;
  readonly shoal: Summary;
  /** The baseline's samples; absent for rows that are already a comparison (e.g. a difference). */
  readonly raw?: Summary;
  /** Checked against the `shoal` column. */
  readonly target?: Target;
  /** Decimals shown for this row (default 0). */
  readonly decimals?: number;
}

/** A row with its comparison worked out, as printed and stored. */
export interface EvaluatedRow extends MetricRow {
  /** `shoal median / raw median`, when both exist and the raw median is not 0. */
  readonly ratio?: number;
  /** Whether the target is met; absent without a target. */
  readonly met?: boolean;
}

/** Works out the ratio and the target check of each row. */
export function evaluateRows(rows: readonly MetricRow[]): EvaluatedRow[] {
  return rows.map((row) => ({
    ...row,
    ratio: row.raw && row.raw.median !== 0 ? row.shoal.median / row.raw.median : undefined,
    met: row.target ? meets(row.target, row.shoal) : undefined,
  }));
}

function cell(summary: Summary | undefined, decimals: number): string {
  if (!summary) return '—';
  const f = (x: number): string => x.toFixed(decimals);
  return `${f(summary.median)} (${f(summary.min)}–${f(summary.max)})`;
}

/**
 * The result table of one scenario as text: metric, shoal median (min–max), raw median (min–max), ratio
 * shoal/raw, target, and whether it is met. `notes` are printed under the table.
 */
export function formatTable(
  scenario: string,
  rows: readonly EvaluatedRow[],
  notes: readonly string[] = [],
): string {
  const header = ['metric', 'shoal median (min–max)', 'raw median (min–max)', 'shoal/raw', 'target', 'met'];
  const body = rows.map((row) => [
    row.metric,
    cell(row.shoal, row.decimals ?? 0),
    cell(row.raw, row.decimals ?? 0),
    row.ratio === undefined ? '—' : `${row.ratio.toFixed(2)}×`,
    row.target ? describeTarget(row.target) : '—',
    row.met === undefined ? '—' : row.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [`## ${scenario}`, '', line(header), rule, ...body.map(line), '', ...notes.map((n) => `- ${n}`)]
    .join('\n')
    .trimEnd();
}
