import { describe, expect, it } from '@jest/globals';
import { sweepCutoff } from './outage-grace.js';

const FAILURE = 2000;

describe('sweepCutoff', () => {
  it('sweeps at the failure timeout while heartbeats keep landing', () => {
    expect(sweepCutoff(10_000, FAILURE, 9_800, undefined)).toEqual({ cutoff: 8_000, record: undefined });
  });

  it('records a grace on the first beat after a silence of over half the failure timeout, keeping who was live', () => {
    // The store heard nobody from 10 s to 15 s: members live at 10 s (heartbeat >= 8 s) are kept until 17 s.
    expect(sweepCutoff(15_000, FAILURE, 10_000, undefined)).toEqual({
      cutoff: 8_000,
      record: { until: 17_000, cutoff: 8_000 },
    });
  });

  it('applies a recorded grace until it ends, then sweeps as usual', () => {
    const grace = { until: 17_000, cutoff: 8_000 };
    expect(sweepCutoff(15_200, FAILURE, 15_000, grace).cutoff).toBe(8_000);
    expect(sweepCutoff(17_000, FAILURE, 16_800, grace).cutoff).toBe(15_000);
  });

  it('records nothing for an empty store', () => {
    expect(sweepCutoff(15_000, FAILURE, undefined, undefined)).toEqual({ cutoff: 13_000, record: undefined });
  });
});
