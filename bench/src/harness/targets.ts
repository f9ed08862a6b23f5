import type { Summary } from './stats.js';

/** A bound one statistic of a metric must meet, e.g. "max ≤ 1000". */
export interface Target {
  /** Which statistic of the samples is checked. */
  readonly stat: 'median' | 'max' | 'p99';
  readonly op: '<=' | '<';
  readonly value: number;
  /** Unit shown after the value, e.g. `ms`. */
  readonly unit: string;
}

/** Whether `summary` meets `target`. */
export function meets(target: Target, summary: Summary): boolean {
  const actual = summary[target.stat];
  return target.op === '<=' ? actual <= target.value : actual < target.value;
}

/** The target as text, e.g. `max ≤ 1000 ms`. */
export function describeTarget(target: Target): string {
  return `${target.stat} ${target.op === '<=' ? '≤' : '<'} ${target.value} ${target.unit}`.trimEnd();
}
