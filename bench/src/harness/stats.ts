/** Summary statistics of one metric's samples. */
export interface Summary {
  /** Number of samples. */
  readonly n: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** 99th percentile (nearest rank); with fewer than 100 samples this is the maximum. */
  readonly p99: number;
  readonly mean: number;
}

function sorted(samples: readonly number[]): number[] {
  if (samples.length === 0) throw new Error('no samples');
  return [...samples].sort((a, b) => a - b);
}

/** The median (mean of the two middle values for an even count). Throws on an empty list. */
export function median(samples: readonly number[]): number {
  const s = sorted(samples);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** The smallest sample. Throws on an empty list. */
export function min(samples: readonly number[]): number {
  return sorted(samples)[0];
}

/** The largest sample. Throws on an empty list. */
export function max(samples: readonly number[]): number {
  const s = sorted(samples);
  return s[s.length - 1];
}

/** The `p`-th percentile (0 < p ≤ 100) by the nearest-rank method. Throws on an empty list. */
export function percentile(samples: readonly number[], p: number): number {
  if (!(p > 0 && p <= 100)) throw new Error(`percentile must be in (0, 100], got ${p}`);
  const s = sorted(samples);
  return s[Math.ceil((p / 100) * s.length) - 1];
}

/** The 99th percentile (nearest rank). */
export function p99(samples: readonly number[]): number {
  return percentile(samples, 99);
}

/** The arithmetic mean. Throws on an empty list. */
export function mean(samples: readonly number[]): number {
  if (samples.length === 0) throw new Error('no samples');
  return samples.reduce((sum, x) => sum + x, 0) / samples.length;
}

/** All of the above at once. Throws on an empty list. */
export function summarize(samples: readonly number[]): Summary {
  return {
    n: samples.length,
    median: median(samples),
    min: min(samples),
    max: max(samples),
    p99: p99(samples),
    mean: mean(samples),
  };
}
