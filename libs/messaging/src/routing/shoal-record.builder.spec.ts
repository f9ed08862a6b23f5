import { describe, expect, it } from '@jest/globals';
import { shardOf } from '../entities/shard-of.js';
import { InvalidRouteError } from '../errors/invalid-route.error.js';
import { ShoalRecord } from './shoal-record.js';
import { ShoalRecordBuilder } from './shoal-record.builder.js';

describe('ShoalRecordBuilder', () => {
  it('builds a record with its route, timeout and metadata (default route: any)', () => {
    expect(new ShoalRecordBuilder({ a: 1 }).build()).toEqual(
      new ShoalRecord({ a: 1 }, { route: { kind: 'any' } }),
    );
    const record = new ShoalRecordBuilder('x')
      .toEntity('account', '42')
      .setTimeout(100)
      .setMetadata({ t: '1' })
      .build();
    expect(record.options).toEqual({
      route: { kind: 'entity', type: 'account', key: '42' },
      timeout: 100,
      metadata: { t: '1' },
    });
    expect(new ShoalRecordBuilder(1).toNode('n1').build().options.route).toEqual({
      kind: 'node',
      node: 'n1',
    });
    expect(new ShoalRecordBuilder(1).toOwnerOf('k').build().options.route).toEqual({
      kind: 'owner',
      key: 'k',
    });
    expect(new ShoalRecordBuilder(1).toAll().build().options.route).toEqual({ kind: 'all' });
  });

  it('refuses empty keys and node ids and impossible timeouts when called', () => {
    expect(() => new ShoalRecordBuilder(1).toNode('')).toThrow(InvalidRouteError);
    expect(() => new ShoalRecordBuilder(1).toEntity('account', '')).toThrow(InvalidRouteError);
    expect(() => new ShoalRecordBuilder(1).setTimeout(0)).toThrow(InvalidRouteError);
    expect(() => new ShoalRecordBuilder(1).setTimeout(1.5)).toThrow(InvalidRouteError);
  });
});

describe('shardOf', () => {
  it('is stable: the same shard on every node and every release (a change would move every key)', () => {
    expect([
      shardOf('account', 'acct-1', 256),
      shardOf('account', 'acct-2', 256),
      shardOf('t', 'k', 7),
    ]).toEqual([254, 71, 5]);
    const spread = new Set(Array.from({ length: 2000 }, (_, i) => shardOf('account', `a${i}`, 16)));
    expect(spread.size).toBe(16);
  });
});
