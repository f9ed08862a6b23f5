import { describe, expect, it } from '@jest/globals';
import { sweepCutoff } from './outage-grace.js';

const FAILURE = 2000;

describe('sweepCutoff', () => {
  it('sweeps at the failure timeout when no grace was recorded', () => {
    expect(sweepCutoff(10_000, FAILURE, undefined)).toBe(8_000);
  });

  it('keeps the members live before the outage while the grace lasts, then sweeps as usual', () => {
    // The store heard nobody from 10 s to 15 s: members live at 10 s (heartbeat >= 8 s) are kept until 17 s.
    const grace = { until: 17_000, cutoff: 8_000 };
    expect(sweepCutoff(15_000, FAILURE, grace)).toBe(8_000);
    expect(sweepCutoff(16_900, FAILURE, grace)).toBe(8_000);
    expect(sweepCutoff(17_000, FAILURE, grace)).toBe(15_000);
  });

  it('never sweeps later than usual because of an old grace', () => {
    expect(sweepCutoff(30_000, FAILURE, { until: 17_000, cutoff: 8_000 })).toBe(28_000);
  });
});
