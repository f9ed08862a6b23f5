/** The two sides of every comparison: Shoal, and the baseline it is measured against. */
export const CONTESTANTS = ['shoal', 'raw'] as const;

/** `shoal` or `raw` (for some metrics `raw` stands for another baseline, e.g. a bare Nest app). */
export type Contestant = (typeof CONTESTANTS)[number];

/** Samples of one turn or one contestant: metric name → values. */
export type MetricSamples = Record<string, number[]>;

/** Fewest rounds a real run may have. */
export const MIN_ROUNDS = 5;

/** Fewest rounds a smoke run may have: two, so the order still alternates. */
export const MIN_SMOKE_ROUNDS = 2;

/** One contestant's turn in one round. */
export interface TurnRecord {
  /** 1-based round number. */
  readonly round: number;
  readonly contestant: Contestant;
  /** When the turn started (ISO). */
  readonly startedAt: string;
  readonly durationMs: number;
  readonly samples: MetricSamples;
}

/** Everything an interleaved run collected. */
export interface InterleavedSamples {
  readonly rounds: number;
  /** Every turn, in the order it ran. */
  readonly turns: readonly TurnRecord[];
  /** All samples per contestant per metric, in the order they were taken. */
  readonly byContestant: Readonly<Record<Contestant, MetricSamples>>;
}

/** Options of {@link runInterleaved}. */
export interface InterleaveOptions {
  /** Number of rounds; at least {@link MIN_ROUNDS} (or {@link MIN_SMOKE_ROUNDS} when `smoke`). */
  readonly rounds: number;
  /** A smoke run: allows fewer rounds. */
  readonly smoke?: boolean;
  /** One turn of each contestant; gets the 1-based round number and returns that turn's samples. */
  readonly turn: Readonly<Record<Contestant, (round: number) => Promise<MetricSamples>>>;
  /** Checked before every turn: when aborted, the run rejects with the abort reason. */
  readonly signal?: AbortSignal;
  /** Called after every turn, e.g. to print progress. */
  readonly onTurn?: (turn: TurnRecord) => void;
}

/**
 * Runs the contestants' turns interleaved, `shoal raw shoal raw ...`, one of each per round, so slow drifts of the
 * machine (other load, thermal state, caches) hit both sides alike. Collects every sample per contestant per
 * metric, and every turn separately (for per-round pairing).
 */
export async function runInterleaved(options: InterleaveOptions): Promise<InterleavedSamples> {
  checkRounds(options.rounds, options.smoke);
  const turns: TurnRecord[] = [];
  const byContestant: Record<Contestant, MetricSamples> = { shoal: {}, raw: {} };
  for (let round = 1; round <= options.rounds; round++) {
    for (const contestant of CONTESTANTS) {
      options.signal?.throwIfAborted();
      const startedAt = new Date();
      const begin = performance.now();
      const samples = await options.turn[contestant](round);
      const record: TurnRecord = {
        round,
        contestant,
        startedAt: startedAt.toISOString(),
        durationMs: Math.round(performance.now() - begin),
        samples,
      };
      turns.push(record);
      collect(byContestant[contestant], samples);
      options.onTurn?.(record);
    }
  }
  return { rounds: options.rounds, turns, byContestant };
}

/** Appends a turn's samples to a contestant's, metric by metric. */
function collect(into: MetricSamples, samples: MetricSamples): void {
  for (const [metric, values] of Object.entries(samples)) (into[metric] ??= []).push(...values);
}

/** Throws unless `rounds` is an integer ≥ {@link MIN_ROUNDS} (≥ {@link MIN_SMOKE_ROUNDS} for a smoke run). */
function checkRounds(rounds: number, smoke = false): void {
  const least = smoke ? MIN_SMOKE_ROUNDS : MIN_ROUNDS;
  if (!Number.isInteger(rounds) || rounds < least) {
    throw new Error(`rounds must be an integer ≥ ${least}, got ${rounds}`);
  }
}

/**
 * The order in which the contestants take their slices in a side-by-side `round` (see {@link runSideBySide}): shoal
 * first in odd rounds, raw first in even ones, so neither always follows the other.
 */
export function sideOrder(round: number): readonly Contestant[] {
  return round % 2 === 1 ? ['shoal', 'raw'] : ['raw', 'shoal'];
}

/**
 * Runs `slices` slices per contestant, alternating between them in `order` (A B A B…), one at a time, so a spell of
 * other load on the machine falls on both sides alike; returns each side's slice results in order.
 */
export async function alternatingSlices<T>(
  order: readonly Contestant[],
  slices: number,
  slice: (contestant: Contestant) => Promise<T>,
): Promise<Record<Contestant, T[]>> {
  const results: Record<Contestant, T[]> = { shoal: [], raw: [] };
  for (let i = 0; i < slices; i++) {
    for (const contestant of order) results[contestant].push(await slice(contestant));
  }
  return results;
}

/** Options of {@link runSideBySide}. */
export interface SideBySideOptions {
  /** Number of rounds; at least {@link MIN_ROUNDS} (or {@link MIN_SMOKE_ROUNDS} when `smoke`). */
  readonly rounds: number;
  /** A smoke run: allows fewer rounds. */
  readonly smoke?: boolean;
  /** One round of both contestants; gets the 1-based round number and returns each one's samples. */
  readonly round: (round: number) => Promise<Readonly<Record<Contestant, MetricSamples>>>;
  /** Checked before every round: when aborted, the run rejects with the abort reason. */
  readonly signal?: AbortSignal;
  /** Called after every round with its two turns, shoal's first. */
  readonly onRound?: (turns: readonly [TurnRecord, TurnRecord]) => void;
}

/**
 * Runs rounds in which both contestants are measured side by side: each `round(n)` sets both up and measures them in
 * short alternating slices (its own business), so a spell of other load on the machine, shorter than a turn of
 * {@link runInterleaved} but longer than a slice, falls on both sides alike. Collected as one turn per contestant per
 * round (both with the round's start and duration), so {@link pairedRatios} pairs them as it pairs interleaved turns.
 */
export async function runSideBySide(options: SideBySideOptions): Promise<InterleavedSamples> {
  checkRounds(options.rounds, options.smoke);
  const turns: TurnRecord[] = [];
  const byContestant: Record<Contestant, MetricSamples> = { shoal: {}, raw: {} };
  for (let round = 1; round <= options.rounds; round++) {
    options.signal?.throwIfAborted();
    const startedAt = new Date().toISOString();
    const begin = performance.now();
    const samples = await options.round(round);
    const durationMs = Math.round(performance.now() - begin);
    const [shoal, raw] = CONTESTANTS.map((contestant): TurnRecord => {
      collect(byContestant[contestant], samples[contestant]);
      return { round, contestant, startedAt, durationMs, samples: samples[contestant] };
    });
    turns.push(shoal, raw);
    options.onRound?.([shoal, raw]);
  }
  return { rounds: options.rounds, turns, byContestant };
}

/**
 * Two runs of one scenario as one record (for the results file): every turn of both, and each contestant's samples
 * of both. The runs must record different metrics (a metric in both keeps the second's samples). Pair per-round
 * ratios on the run a metric came from: a round's first turn is the one paired.
 */
export function mergeSamples(first: InterleavedSamples, second: InterleavedSamples): InterleavedSamples {
  const merged = (contestant: Contestant): MetricSamples => ({
    ...first.byContestant[contestant],
    ...second.byContestant[contestant],
  });
  return {
    rounds: Math.max(first.rounds, second.rounds),
    turns: [...first.turns, ...second.turns],
    byContestant: { shoal: merged('shoal'), raw: merged('raw') },
  };
}

/**
 * Per-round pairs `(shoal, raw)` of one metric, pairing each round's turns (the mean of a turn's samples when it
 * took several). `rawMetric` names the raw side's metric when it differs (default: the same). Rounds where either
 * side has no sample are skipped.
 */
export function pairedRounds(
  samples: InterleavedSamples,
  metric: string,
  rawMetric = metric,
): [shoal: number, raw: number][] {
  const pairs: [number, number][] = [];
  for (let round = 1; round <= samples.rounds; round++) {
    const side = (contestant: Contestant, name: string): number | undefined => {
      const values = samples.turns.find((t) => t.round === round && t.contestant === contestant)?.samples[
        name
      ];
      return values && values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : undefined;
    };
    const shoal = side('shoal', metric);
    const raw = side('raw', rawMetric);
    if (shoal !== undefined && raw !== undefined) pairs.push([shoal, raw]);
  }
  return pairs;
}

/** Per-round differences `shoal − raw` of one metric (see {@link pairedRounds}). */
export function pairedDifferences(samples: InterleavedSamples, metric: string, rawMetric = metric): number[] {
  return pairedRounds(samples, metric, rawMetric).map(([shoal, raw]) => shoal - raw);
}

/** Per-round ratios `shoal / raw` of one metric (see {@link pairedRounds}); rounds where raw is 0 are skipped. */
export function pairedRatios(samples: InterleavedSamples, metric: string, rawMetric = metric): number[] {
  return pairedRounds(samples, metric, rawMetric)
    .filter(([, raw]) => raw !== 0)
    .map(([shoal, raw]) => shoal / raw);
}
