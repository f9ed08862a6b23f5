import type { MetricSamples } from './interleave.js';
import type { MetricRow } from './report.js';
import { percentile, summarize } from './stats.js';
import type { Target } from './targets.js';

const toMs = (values: readonly number[]) => values.map((v) => v / 1000);

/**
 * The two table rows "<what> p50 / p99 per round (ms)" from per-turn percentiles in µs (`<metric>_p50_us`,
 * `<metric>_p99_us`) of both contestants; `p99Target` checks the shoal p99 row.
 */
export function latencyRows(
  what: string,
  metric: string,
  shoal: MetricSamples,
  raw: MetricSamples,
  decimals: number,
  p99Target?: Target,
): MetricRow[] {
  return (['p50', 'p99'] as const).map((p) => ({
    metric: `${what} ${p} per round (ms)`,
    shoal: summarize(toMs(shoal[`${metric}_${p}_us`])),
    raw: summarize(toMs(raw[`${metric}_${p}_us`])),
    target: p === 'p99' ? p99Target : undefined,
    decimals,
  }));
}

/** "p50 x ms, p99 y ms" of samples in µs, for notes (pooled over all rounds). */
export function pooledPercentiles(values: readonly number[], decimals: number): string {
  const ms = (p: number) => (percentile(values, p) / 1000).toFixed(decimals);
  return `p50 ${ms(50)} ms, p99 ${ms(99)} ms`;
}
