import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually } from '@shoal/testing';
import type { Cluster, Redis } from 'ioredis';
import { startRedisCluster, startRedisSentinel, type Topology } from './topologies.js';

const WRITERS = 8;

/**
 * Acknowledged `XADD`s that a SIGKILLed master takes with it: `WRITERS` clients append as fast as they can, the
 * master is killed, and what the promoted replica holds is compared with what was acknowledged. With `WAIT 1`, an
 * append counts as acknowledged only once the replica confirmed it.
 */
async function measureLoss(topology: Topology, stream: string, waitReplica: boolean) {
  const client: Redis | Cluster = topology.connect();
  const acknowledged: string[] = [];
  let running = true;
  const writers = Array.from({ length: WRITERS }, async (_, writer) => {
    for (let n = 0; running; n += 1) {
      const value = `${writer}-${n}`;
      try {
        if (waitReplica) {
          const [[, id], [, replicas]] = (await client
            .pipeline()
            .xadd(stream, '*', 'v', value)
            .wait(1, 1000)
            .exec()) as [[Error | null, string], [Error | null, number]];
          if (replicas >= 1 && id) acknowledged.push(value);
        } else {
          await client.xadd(stream, '*', 'v', value);
          acknowledged.push(value);
        }
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  });
  await eventually(async () => acknowledged.length >= 2000, { what: '2000 appends', timeoutMs: 30_000 });
  const failover = await topology.killMaster(stream);
  // The promoted master has no replica until the killed node is back: with WAIT, nothing is acknowledged meanwhile.
  await topology.heal();
  const atPromotion = acknowledged.length;
  await eventually(async () => acknowledged.length >= atPromotion + 500, {
    what: 'appends after',
    timeoutMs: 30_000,
  });
  running = false;
  await Promise.all(writers);
  const entries = (await client.xrange(stream, '-', '+')) as [string, string[]][];
  const present = new Set(entries.map(([, fields]) => fields[1]));
  const lost = acknowledged.filter((value) => !present.has(value)).length;
  client.disconnect();
  return { acknowledged: acknowledged.length, lost, failoverMs: failover.ms };
}

describe.each([
  ['Redis Sentinel', startRedisSentinel],
  ['Redis Cluster', startRedisCluster],
] as const)('acknowledged writes across a master SIGKILL on %s', (label, start) => {
  let topology: Topology;

  beforeAll(async () => {
    topology = await start();
  }, 120_000);

  afterAll(async () => {
    await topology?.stop();
  }, 60_000);

  it('without WAIT, measures what the failover loses', async () => {
    const result = await measureLoss(topology, 'ack:{plain}', false);
    console.log(
      `${label}, no WAIT: ${result.acknowledged} acknowledged, ${result.lost} lost (failover ${result.failoverMs} ms)`,
    );
    expect(result.lost).toBeLessThanOrEqual(result.acknowledged);
  }, 120_000);

  it('with WAIT 1, loses no acknowledged write', async () => {
    const result = await measureLoss(topology, 'ack:{waited}', true);
    console.log(
      `${label}, WAIT 1: ${result.acknowledged} acknowledged, ${result.lost} lost (failover ${result.failoverMs} ms)`,
    );
    expect(result.lost).toBe(0);
  }, 120_000);
});
