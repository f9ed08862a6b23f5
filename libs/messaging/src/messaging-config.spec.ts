import { describe, expect, it } from '@jest/globals';
import { InvalidMessagingOptionsError } from './errors/invalid-messaging-options.error.js';
import { resolveMessagingConfig } from './messaging-config.js';
import { MESSAGING_DEFAULTS } from './messaging-options.js';

describe('resolveMessagingConfig', () => {
  it('applies the defaults', () => {
    expect(resolveMessagingConfig({}, { hasRedis: true })).toMatchObject(MESSAGING_DEFAULTS);
  });

  it('names unknown keys, impossible values and a missing Redis', () => {
    expect(() => resolveMessagingConfig({ timeout: 0 }, { hasRedis: true })).toThrow(/timeout/);
    expect(() => resolveMessagingConfig({ shard: 3 } as never, { hasRedis: true })).toThrow(
      InvalidMessagingOptionsError,
    );
    expect(() => resolveMessagingConfig({ shardBatch: 50, maxShardBacklog: 10 }, { hasRedis: true })).toThrow(
      /shardBatch/,
    );
    expect(() => resolveMessagingConfig({}, { hasRedis: false })).toThrow(/redis/);
  });

  it('keeps the entity types with a passivation time and refuses impossible ones', () => {
    const config = resolveMessagingConfig(
      { entities: { cart: { passivateAfterMs: 60_000 }, order: {} } },
      { hasRedis: true },
    );
    expect(config.entities).toEqual({ cart: { passivateAfterMs: 60_000 } });
    expect(resolveMessagingConfig({}, { hasRedis: true }).entities).toEqual({});
    expect(() =>
      resolveMessagingConfig({ entities: { cart: { passivateAfterMs: 0 } } }, { hasRedis: true }),
    ).toThrow(/passivateAfterMs/);
    expect(() =>
      resolveMessagingConfig({ entities: { cart: { after: 5 } as never } }, { hasRedis: true }),
    ).toThrow(InvalidMessagingOptionsError);
  });
});
