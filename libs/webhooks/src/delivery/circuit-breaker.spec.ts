import { beforeEach, describe, expect, it } from '@jest/globals';

import { CircuitBreaker } from './circuit-breaker.js';

describe('CircuitBreaker', () => {
  let clock: number;
  let breaker: CircuitBreaker;
  const advance = (ms: number): void => {
    clock += ms;
  };
  const failTimes = (id: string, n: number): void => {
    for (let i = 0; i < n; i += 1) breaker.recordFailure(id);
  };

  beforeEach(() => {
    clock = 1_000_000;
    breaker = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 10_000, now: () => clock });
  });

  it('starts closed and lets attempts through', () => {
    expect(breaker.state('ep')).toBe('closed');
    expect(breaker.canAttempt('ep')).toBe(true);
    expect(breaker.canAttempt('ep')).toBe(true);
  });

  it('opens after N consecutive failures, not before', () => {
    failTimes('ep', 2);
    expect(breaker.state('ep')).toBe('closed');
    expect(breaker.consecutiveFailures('ep')).toBe(2);
    expect(breaker.canAttempt('ep')).toBe(true);
    breaker.recordFailure('ep');
    expect(breaker.state('ep')).toBe('open');
    expect(breaker.canAttempt('ep')).toEqual({ retryInMs: 10_000 });
    advance(4_000);
    expect(breaker.canAttempt('ep')).toEqual({ retryInMs: 6_000 });
  });

  it('a success resets the consecutive count', () => {
    failTimes('ep', 2);
    breaker.recordSuccess('ep');
    failTimes('ep', 2);
    expect(breaker.state('ep')).toBe('closed');
    expect(breaker.consecutiveFailures('ep')).toBe(2);
  });

  it('goes half-open after the cooldown and grants one probe at a time', () => {
    failTimes('ep', 3);
    advance(10_000);
    expect(breaker.canAttempt('ep')).toBe(true);
    expect(breaker.state('ep')).toBe('half-open');
    expect(breaker.canAttempt('ep')).toEqual({ retryInMs: 10_000 });
    advance(3_000);
    expect(breaker.canAttempt('ep')).toEqual({ retryInMs: 7_000 });
  });

  it('closes when the probe succeeds', () => {
    failTimes('ep', 3);
    advance(10_000);
    expect(breaker.canAttempt('ep')).toBe(true);
    breaker.recordSuccess('ep');
    expect(breaker.state('ep')).toBe('closed');
    expect(breaker.consecutiveFailures('ep')).toBe(0);
    expect(breaker.canAttempt('ep')).toBe(true);
    expect(breaker.canAttempt('ep')).toBe(true);
  });

  it('re-opens for a full cooldown when the probe fails', () => {
    failTimes('ep', 3);
    advance(12_000);
    expect(breaker.canAttempt('ep')).toBe(true);
    advance(500);
    breaker.recordFailure('ep');
    expect(breaker.state('ep')).toBe('open');
    expect(breaker.canAttempt('ep')).toEqual({ retryInMs: 10_000 });
    advance(10_000);
    expect(breaker.canAttempt('ep')).toBe(true);
    expect(breaker.state('ep')).toBe('half-open');
  });

  it('grants a new probe when the previous one never reported', () => {
    const withProbeTimeout = new CircuitBreaker({
      failureThreshold: 1,
      cooldownMs: 1_000,
      probeTimeoutMs: 5_000,
      now: () => clock,
    });
    withProbeTimeout.recordFailure('ep');
    advance(1_000);
    expect(withProbeTimeout.canAttempt('ep')).toBe(true);
    advance(4_999);
    expect(withProbeTimeout.canAttempt('ep')).toEqual({ retryInMs: 1 });
    advance(1);
    expect(withProbeTimeout.canAttempt('ep')).toBe(true);
    expect(withProbeTimeout.canAttempt('ep')).toEqual({ retryInMs: 5_000 });
  });

  it('a late failure while open does not extend the cooldown', () => {
    failTimes('ep', 3);
    advance(6_000);
    breaker.recordFailure('ep');
    expect(breaker.canAttempt('ep')).toEqual({ retryInMs: 4_000 });
  });

  it('keeps endpoints independent', () => {
    failTimes('a', 3);
    expect(breaker.canAttempt('a')).toEqual({ retryInMs: 10_000 });
    expect(breaker.canAttempt('b')).toBe(true);
    expect(breaker.state('b')).toBe('closed');
  });

  it('reset forgets an endpoint', () => {
    failTimes('ep', 3);
    breaker.reset('ep');
    expect(breaker.state('ep')).toBe('closed');
    expect(breaker.canAttempt('ep')).toBe(true);
  });

  it('uses 5 failures and 30 s by default, and validates options', () => {
    const defaults = new CircuitBreaker({ now: () => clock });
    for (let i = 0; i < 4; i += 1) defaults.recordFailure('ep');
    expect(defaults.canAttempt('ep')).toBe(true);
    defaults.recordFailure('ep');
    expect(defaults.canAttempt('ep')).toEqual({ retryInMs: 30_000 });
    expect(() => new CircuitBreaker({ failureThreshold: 0 })).toThrow(RangeError);
    expect(() => new CircuitBreaker({ cooldownMs: -1 })).toThrow(RangeError);
  });
});
