import { describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { resolveClusterConfig } from './cluster-config.js';
import type { ClusterModuleOptions } from './cluster-options.js';
import { InvalidClusterOptionsError } from './errors/invalid-cluster-options.error.js';

function problemsOf(options: unknown): string {
  try {
    resolveClusterConfig(options as ClusterModuleOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidClusterOptionsError);
    return (error as Error).message;
  }
  throw new Error('expected the options to be rejected');
}

describe('resolveClusterConfig', () => {
  it('applies the documented defaults', () => {
    const config = resolveClusterConfig({ redis: 'redis://127.0.0.1:6379' });
    expect(config).toMatchObject({
      store: 'redis',
      prefix: 'shoal',
      heartbeatInterval: 500,
      failureTimeout: 2000,
      nodeHeader: false,
      metadata: {},
    });
  });

  it('picks the postgres store when only postgres is given', () => {
    expect(resolveClusterConfig({ postgres: 'postgres://u@h:5432/db' }).store).toBe('postgres');
  });

  it('accepts an existing ioredis instance without connecting', () => {
    const redis = new Redis({ lazyConnect: true });
    expect(resolveClusterConfig({ redis }).redis).toBe(redis);
    redis.disconnect();
  });

  it('names an unknown option', () => {
    expect(problemsOf({ redis: 'redis://h:1', heartbeatIntervl: 100 })).toMatch(
      /unknown option `heartbeatIntervl`/,
    );
  });

  it('rejects a heartbeat interval that is not well below the failure timeout', () => {
    const message = problemsOf({ redis: 'redis://h:1', heartbeatInterval: 3000, failureTimeout: 2000 });
    expect(message).toMatch(
      /`heartbeatInterval` \(3000 ms\) must be at most half of failureTimeout \(2000 ms\)/,
    );
    expect(problemsOf({ redis: 'redis://h:1', heartbeatInterval: 1500 })).toMatch(/heartbeatInterval/);
  });

  it('names a malformed Redis or Postgres URL', () => {
    expect(problemsOf({ redis: 'localhost:6379' })).toMatch(/`redis`/);
    expect(problemsOf({ postgres: 'mysql://h/db' })).toMatch(/`postgres`/);
  });

  it('rejects durations that are not positive whole milliseconds', () => {
    expect(problemsOf({ redis: 'redis://h:1', failureTimeout: -1 })).toMatch(
      /`failureTimeout` must be above 0/,
    );
    expect(problemsOf({ redis: 'redis://h:1', heartbeatInterval: 0.5 })).toMatch(/`heartbeatInterval`/);
  });

  it('rejects a store without its connection, and no store at all', () => {
    expect(problemsOf({ store: 'postgres', redis: 'redis://h:1' })).toMatch(
      /`store` is 'postgres' but no `postgres`/,
    );
    expect(problemsOf({})).toMatch(/`store` cannot be chosen/);
  });

  it('rejects a prefix that cannot be a Redis namespace and a Postgres schema', () => {
    expect(problemsOf({ redis: 'redis://h:1', prefix: 'My-App' })).toMatch(/`prefix` must be lower-case/);
  });

  it('lists every problem at once', () => {
    const message = problemsOf({ redis: 'nope', prefix: '1', bogus: true });
    expect(message.split('\n').length).toBeGreaterThanOrEqual(4);
  });
});
