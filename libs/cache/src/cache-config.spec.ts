import { describe, expect, it } from '@jest/globals';
import { CACHE_MANAGER } from '@nestjs/cache-manager';
import { resolveCacheConfig } from './cache-config.js';
import { NEST_CACHE_MANAGER } from './cache.constants.js';
import { InvalidCacheOptionsError } from './errors/invalid-cache-options.error.js';
import { splitForNotify } from './bus/postgres-bus.transport.js';
import { decodeBusMessage, encodeBusMessage } from './bus/bus-message.codec.js';

const both = { hasRedis: true, hasPostgres: true };
const postgresOnly = { hasRedis: false, hasPostgres: true };

describe('resolveCacheConfig', () => {
  it('picks the redis provider and bus when ClusterModule has Redis, local + NOTIFY on Postgres only', () => {
    expect(resolveCacheConfig({}, both)).toMatchObject({ provider: 'redis', bus: 'redis', ttl: 300_000 });
    expect(resolveCacheConfig({}, postgresOnly)).toMatchObject({ provider: 'local', bus: 'postgres' });
    expect(resolveCacheConfig({}, { hasRedis: false, hasPostgres: false })).toMatchObject({ bus: false });
  });

  it('fills single-flight defaults', () => {
    expect(resolveCacheConfig({ singleFlight: true }, both).singleFlight).toEqual({
      lockTtl: 5000,
      wait: 10_000,
      pollInterval: 25,
    });
  });

  it('names the option and the fix for impossible combinations', () => {
    const fails =
      (options: object, available = both) =>
      () =>
        resolveCacheConfig(options, available);
    expect(fails({ provider: 'redis' }, postgresOnly)).toThrow(
      /`provider` is 'redis' but ClusterModule has no/,
    );
    expect(fails({ singleFlight: true }, postgresOnly)).toThrow(/`singleFlight` needs provider 'redis'/);
    expect(fails({ bus: 'postgres' }, { hasRedis: true, hasPostgres: false })).toThrow(/`bus` is 'postgres'/);
    expect(fails({ timeout: 100 })).toThrow(/set `grace` too/);
    expect(fails({ ttl: 0 })).toThrow(InvalidCacheOptionsError);
    expect(fails({ ttl: 0 })).toThrow(/`ttl` must be above 0/);
    expect(fails({ tll: 10 })).toThrow(/unknown option `tll`/);
    expect(fails({ namespace: 'a b' })).toThrow(/`namespace` must be/);
    expect(fails({ singleFlight: { wait: 10, pollInterval: 20 } })).toThrow(/pollInterval/);
  });
});

describe('cache bus messages', () => {
  it('round-trip, and anything malformed decodes to undefined', () => {
    const envelope = {
      channel: 'c',
      busId: 'b',
      payload: { keys: ['k'], type: 'delete' as const, namespace: 'n' },
    };
    expect(decodeBusMessage(encodeBusMessage(envelope))).toEqual(envelope);
    for (const bad of ['', 'null', '{"c":"c"}', '{"c":"c","b":"b","p":{"keys":[1],"type":"delete"}}', '[']) {
      expect(decodeBusMessage(bad)).toBeUndefined();
    }
  });

  it('splits key lists too long for one Postgres NOTIFY into valid messages', () => {
    const keys = Array.from({ length: 2000 }, (_, i) => `key-${i}`);
    const text = encodeBusMessage({ channel: 'c', busId: 'b', payload: { keys, type: 'delete' } });
    const parts = splitForNotify(text);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.every((p) => Buffer.byteLength(p) < 8000)).toBe(true);
    expect(parts.flatMap((p) => decodeBusMessage(p)?.payload.keys ?? [])).toEqual(keys);
  });
});

it('provides the token @nestjs/cache-manager injects', () => {
  expect(NEST_CACHE_MANAGER).toBe(CACHE_MANAGER);
});
