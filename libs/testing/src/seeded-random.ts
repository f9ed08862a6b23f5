/** A seeded pseudo-random sequence: `next()` in [0, 1), `between(min, max)` in [min, max). */
export interface SeededRandom {
  readonly seed: number;
  next(): number;
  between(min: number, max: number): number;
}

/**
 * A seeded pseudo-random generator (mulberry32) for tests: the same seed gives the same sequence, so a chaos test
 * that fails can be replayed. `seed` defaults to `SHOAL_TEST_SEED` or a fresh one; print `seed` with the failure.
 */
export function seededRandom(
  seed: number = Number(process.env.SHOAL_TEST_SEED) || Date.now() % 2 ** 31,
): SeededRandom {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { seed, next, between: (min, max) => min + next() * (max - min) };
}
