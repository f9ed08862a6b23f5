import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually } from '@shoal/testing';
import { connectLive, type LiveClient } from '../support/live-clients.js';
import { SampleNodes } from '../support/sample-nodes.js';
import { startRedisCluster, type Topology } from './topologies.js';

/**
 * The sharded Socket.IO adapter (`SSUBSCRIBE`/`SPUBLISH`) on Redis Cluster: a socket on bravo gets what alpha emits,
 * also after the master serving the namespace's sharded channel was SIGKILLed and its replica promoted.
 */
describe('realtime with the sharded adapter on a Redis Cluster', () => {
  const names = ['alpha', 'bravo'];
  let topology: Topology;
  let nodes: SampleNodes;
  let client: LiveClient | undefined;

  beforeAll(async () => {
    topology = await startRedisCluster();
    nodes = await SampleNodes.start({
      names,
      store: 'redis',
      env: { ...topology.env, SHOAL_SOCKET_ADAPTER: 'sharded' },
      readyTimeoutMs: 90_000,
    });
  }, 180_000);

  afterAll(async () => {
    client?.close();
    await nodes?.dispose();
    await topology?.stop();
  }, 60_000);

  it('delivers cross-node emits again after the master of the channel fails over', async () => {
    const { token } = await nodes.request<{ token: string }>('alpha', '/auth/token', 'POST', 5000, {
      userId: 'u',
    });
    client = await connectLive(nodes.ports.get('bravo')!, token);
    expect(await client.socket.emitWithAck('join', { room: 'news' })).toEqual({ ok: true });
    let sent = 0;
    const emit = async () => {
      sent += 1;
      await nodes.request('alpha', '/realtime/emit', 'POST', 5000, {
        room: 'news',
        event: 'headline',
        data: { n: sent },
      });
    };
    await emit();
    await eventually(() => client!.of('headline').length === 1, { what: 'the first headline' });

    const channel = `${nodes.prefix}:socket.io#/live#`;
    const failover = await topology.killMaster(channel);
    const killedAfter = sent;
    const recovered = Date.now();
    // Emits may fail or vanish while the slot has no master; after the promotion they must arrive again.
    const seen = await eventually(
      async () => {
        await emit().catch(() => undefined);
        const got = client!.of('headline').map((data) => (data as { n: number }).n);
        return got.some((n) => n > killedAfter + 1) ? got : undefined;
      },
      { what: 'a headline emitted after the failover', timeoutMs: 60_000, intervalMs: 250 },
    );
    console.log(
      `sharded adapter: master :${failover.from} of ${channel} SIGKILLed, :${failover.to} promoted in ` +
        `${failover.ms} ms; emits reach bravo again ${Date.now() - recovered} ms after the promotion; ` +
        `${sent} emitted, ${seen.length} received, ${new Set(seen).size} distinct`,
    );
    expect(new Set(seen).size).toBe(seen.length);
  }, 180_000);
});
