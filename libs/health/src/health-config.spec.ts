import { describe, expect, it } from '@jest/globals';
import { resolveHealthConfig } from './health-config.js';
import { InvalidHealthOptionsError } from './errors/invalid-health-options.error.js';

describe('resolveHealthConfig', () => {
  it('applies the documented defaults', () => {
    expect(resolveHealthConfig()).toMatchObject({
      drainDelay: 5000,
      shutdownGrace: 10_000,
      timeout: 1000,
      readiness: ['redis', 'postgres', 'membership'],
      degradedOnThresholds: false,
      outbox: { maxLag: 60_000 },
      eventLoop: { maxLag: 1000 },
    });
  });

  it('names every bad option', () => {
    const attempt = () =>
      resolveHealthConfig({ drainDelay: -1, readiness: ['nope' as 'redis'], typo: 1 } as never);
    expect(attempt).toThrow(InvalidHealthOptionsError);
    expect(attempt).toThrow(/`drainDelay` must be 0 or more/);
    expect(attempt).toThrow(/readiness/);
    expect(attempt).toThrow(/unknown option `typo`/);
  });
});
