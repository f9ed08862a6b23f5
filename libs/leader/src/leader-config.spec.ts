import { describe, expect, it } from '@jest/globals';
import { InvalidLeaderOptionsError } from './errors/invalid-leader-options.error.js';
import { resolveLeaderConfig } from './leader-config.js';

describe('resolveLeaderConfig', () => {
  it('applies the documented defaults', () => {
    expect(resolveLeaderConfig({})).toMatchObject({
      leaseTtl: 3000,
      renewInterval: 1000,
      retryInterval: 250,
      shutdownGracePeriod: 5000,
      locks: { ttl: 10_000, wait: 10_000 },
    });
    expect(resolveLeaderConfig({ leaseTtl: 900 }).renewInterval).toBe(300);
  });

  it('refuses a renew interval that is not well below the TTL', () => {
    expect(() => resolveLeaderConfig({ leaseTtl: 1000, renewInterval: 1000 })).toThrow(
      /`renewInterval` \(1000 ms\) must be at most half of leaseTtl \(1000 ms\)/,
    );
    expect(() => resolveLeaderConfig({ leaseTtl: 1000, renewInterval: 2000 })).toThrow(
      InvalidLeaderOptionsError,
    );
  });

  it('names unknown options, also nested ones', () => {
    expect(() => resolveLeaderConfig({ leaseTTL: 5 } as never)).toThrow(/unknown option `leaseTTL`/);
    expect(() => resolveLeaderConfig({ locks: { tll: 5 } } as never)).toThrow(
      /unknown option `tll` in `locks`/,
    );
  });

  it('refuses empty or malformed lease names', () => {
    expect(() => resolveLeaderConfig({ leases: [''] })).toThrow(/`leases.0` must be 1-200 characters/);
  });

  it('refuses a TTL too short to renew', () => {
    expect(() => resolveLeaderConfig({ leaseTtl: 50 })).toThrow(/`leaseTtl` must be at least 100/);
  });
});
