import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RedisClusterServer } from '@shoal/testing';
import { Cluster } from 'ioredis';
import { testEnvelope } from '../envelope/test-envelope.fixture-spec.js';
import { EventNotReplicatedError } from '../errors/event-not-replicated.error.js';
import { RedisStreamsTransport, type RedisStreamsSettings } from './redis-streams.transport.js';
import { streamKey } from './stream-codec.js';

const TIMEOUT = 120_000;
const prefix = 'repl';
const types = ['order.placed', 'order.paid', 'user.created', 'user.deleted'];
let cluster: RedisClusterServer;
let redis: Cluster;

beforeAll(async () => {
  cluster = await RedisClusterServer.start();
  redis = new Cluster(cluster.seeds);
}, TIMEOUT);

afterAll(async () => {
  redis?.disconnect();
  await cluster?.stop();
}, TIMEOUT);

function transport(settings: Partial<RedisStreamsSettings>): RedisStreamsTransport {
  return new RedisStreamsTransport(redis, prefix, 'n1', {
    maxLen: 1000,
    claimIdleTime: 60_000,
    blockMs: 100,
    ...settings,
  });
}

describe('RedisStreamsTransport on Redis Cluster', () => {
  it('publishes one batch of events whose streams live on different masters', async () => {
    const masters = new Set(
      await Promise.all(types.map((type) => cluster.masterOf(streamKey(prefix, type)))),
    );
    expect(masters.size).toBeGreaterThan(1);
    await transport({}).publish(types.map((type) => testEnvelope(type)));
    for (const type of types) expect(await redis.xlen(streamKey(prefix, type))).toBe(1);
  });

  it('with waitReplicas, resolves once the replica of each stream confirmed the batch', async () => {
    await transport({ waitReplicas: 1 }).publish(types.map((type) => testEnvelope(type)));
    for (const type of types) expect(await redis.xlen(streamKey(prefix, type))).toBe(2);
  });

  it('rejects with EventNotReplicatedError when fewer replicas confirm in time', async () => {
    const publish = transport({ waitReplicas: 2, waitTimeout: 200 }).publish([testEnvelope('order.placed')]);
    await expect(publish).rejects.toBeInstanceOf(EventNotReplicatedError);
    await expect(publish).rejects.toThrow(/reached 1 of the 2 Redis replica\(s\)/);
  });
});
