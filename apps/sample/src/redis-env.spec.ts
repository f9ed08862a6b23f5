import { describe, expect, it } from '@jest/globals';
import { readRedisOption } from './redis-env.js';

describe('readRedisOption', () => {
  it('uses REDIS_URL, or none (Postgres alone)', () => {
    expect(readRedisOption({})).toBeUndefined();
    expect(readRedisOption({ REDIS_URL: '' })).toBeUndefined();
    expect(readRedisOption({ REDIS_URL: 'redis://cache:6380' })).toBe('redis://cache:6380');
  });

  it('connects to a Redis Cluster through its seed nodes', () => {
    const env = { REDIS_CLUSTER: '10.0.0.1:7000, 10.0.0.2:7001', REDIS_URL: 'redis://ignored:1' };
    expect(readRedisOption(env)).toEqual({
      cluster: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
      ],
    });
  });

  it('connects through Sentinel to the named master', () => {
    expect(readRedisOption({ REDIS_SENTINELS: 's1:26379,s2:26379', REDIS_SENTINEL_NAME: 'main' })).toEqual({
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
      ],
      name: 'main',
    });
  });

  it('names the variable to fix', () => {
    expect(() => readRedisOption({ REDIS_SENTINELS: 's1:26379' })).toThrow(/REDIS_SENTINEL_NAME/);
    expect(() => readRedisOption({ REDIS_CLUSTER: 'nohost' })).toThrow(/REDIS_CLUSTER must be host:port/);
    expect(() => readRedisOption({ REDIS_CLUSTER: 'a:1', REDIS_SENTINELS: 'b:2' })).toThrow(/not both/);
  });
});
