import type { Summary } from './stats.js';

/** A bound one statistic of a metric must meet, e.g. "max ≤ 1000" (or, for throughputs, "median ≥ 0.8"). */
export interface Target {
  /** Which statistic of the samples is checked. */
  readonly stat: 'median' | 'max' | 'min' | 'p99';
  readonly op: '<=' | '<' | '>=' | '>';
  readonly value: number;
  /** Unit shown after the value, e.g. `ms`. */
  readonly unit: string;
}

/** Whether `summary` meets `target`. */
export function meets(target: Target, summary: Summary): boolean {
  const actual = summary[target.stat];
  switch (target.op) {
    case '<=':
      return actual <= target.value;
    case '<':
      return actual < target.value;
    case '>=':
      return actual >= target.value;
    case '>':
      return actual > target.value;
  }
}

const SYMBOL: Readonly<Record<Target['op'], string>> = { '<=': '≤', '<': '<', '>=': '≥', '>': '>' };

/** The target as text, e.g. `max ≤ 1000 ms`. */
export function describeTarget(target: Target): string {
  return `${target.stat} ${SYMBOL[target.op]} ${target.value} ${target.unit}`.trimEnd();
}
