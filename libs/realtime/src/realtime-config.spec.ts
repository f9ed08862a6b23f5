import { describe, expect, it } from '@jest/globals';
import { InvalidRealtimeOptionsError } from './errors/invalid-realtime-options.error.js';
import { resolveRealtimeConfig } from './realtime-config.js';

const both = { hasRedis: true, hasPostgres: true };
const postgresOnly = { hasRedis: false, hasPostgres: true };

describe('resolveRealtimeConfig', () => {
  it('picks the Redis adapter when ClusterModule has Redis, Postgres when it has only Postgres', () => {
    expect(resolveRealtimeConfig({}, both).adapter).toBe('redis');
    expect(resolveRealtimeConfig({}, postgresOnly).adapter).toBe('postgres');
    expect(resolveRealtimeConfig({}, { hasRedis: false, hasPostgres: false }).adapter).toBe('memory');
  });

  it('applies the documented defaults', () => {
    const config = resolveRealtimeConfig({}, both);
    expect(config).toMatchObject({
      sockets: true,
      namespace: '/',
      unauthorizedMessage: 'unauthorized',
      presence: false, // presence is per user: on only with authenticate
      queryTimeout: 1000,
      shutdownGracePeriod: 5000,
    });
    expect(config.userRoom('ada')).toBe('user:ada');
    expect(resolveRealtimeConfig({ authenticate: () => null }, both).presence).toBe(true);
  });

  it('names every option that cannot work', () => {
    const attempt = () =>
      resolveRealtimeConfig(
        { adapter: 'sharded', namespace: 'live', queryTimeout: -1, presence: true, colour: 'blue' } as never,
        postgresOnly,
      );
    expect(attempt).toThrow(InvalidRealtimeOptionsError);
    expect(attempt).toThrow(/unknown option `colour`/);
    expect(() => resolveRealtimeConfig({ adapter: 'sharded' }, postgresOnly)).toThrow(/no `redis`/);
    expect(() =>
      resolveRealtimeConfig({ adapter: 'postgres' }, { hasRedis: true, hasPostgres: false }),
    ).toThrow(/no `postgres`/);
    expect(() => resolveRealtimeConfig({ presence: true }, both)).toThrow(
      /`presence` is true but there is no `authenticate`/,
    );
    expect(() => resolveRealtimeConfig({ namespace: 'live' }, both)).toThrow(
      /`namespace` must start with '\/'/,
    );
    expect(() => resolveRealtimeConfig({ server: { adapter: {} } as never }, both)).toThrow(
      /`server.adapter`/,
    );
    expect(() => resolveRealtimeConfig({ subscriptionMode: 'static' }, both)).toThrow(
      /only applies to adapter: 'sharded'/,
    );
  });
});
