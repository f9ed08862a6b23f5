import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually, seededRandom } from '@shoal/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import { DepositLoad } from '../support/deposit-load.js';
import { OrderLoad } from '../support/order-load.js';
import { SampleNodes } from '../support/sample-nodes.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import type { Topology } from './topologies.js';

interface Stats {
  orders: number;
  handled: number;
  deliveries: { total: number; distinct: number };
}

interface Watch {
  /** Membership views that missed a live member, per observer. */
  readonly falseLeaves: string[];
  /** Distinct (leader, token) pairs seen, in order. */
  readonly leaders: string[];
  /** Moments two nodes declared themselves leader at once. */
  readonly overlaps: number;
  stop(): Promise<void>;
}

/** Polls every node's view every 100 ms: membership gaps and leader changes during a failover. */
function watch(nodes: SampleNodes, names: readonly string[]): Watch {
  const state = { falseLeaves: [] as string[], leaders: [] as string[], overlaps: 0, running: true };
  const done = (async () => {
    while (state.running) {
      const views = await Promise.all(names.map((name) => nodes.view(name)));
      views.forEach((view, i) => {
        if (view && view.members.length < names.length)
          state.falseLeaves.push(`${names[i]} saw ${view.members.map((m) => m.id).join(',')}`);
      });
      const selfDeclared = views.filter((v) => v?.leader && v.leader.id === v.self.id);
      if (selfDeclared.length > 1) state.overlaps += 1;
      for (const view of selfDeclared) {
        const label = `${view!.leader!.id}#${view!.leader!.token}`;
        if (state.leaders.at(-1) !== label) state.leaders.push(label);
      }
      await sleep(100);
    }
  })();
  return {
    ...state,
    get overlaps() {
      return state.overlaps;
    },
    stop: async () => {
      state.running = false;
      await done;
    },
  };
}

/**
 * The cross-process suite of membership, leader and events on one Redis topology: three sample processes, orders
 * placed through the outbox under load while the master holding the event stream is SIGKILLed, then a SIGKILLed
 * replica and a SIGKILLed leader. Prints lost / duplicated events and times to recover.
 */
export function describeFailoverSuite(label: string, startTopology: () => Promise<Topology>): void {
  describe(`the sample on ${label}`, () => {
    const names = ['alpha', 'bravo', 'charlie'];
    let topology: Topology;
    let nodes: SampleNodes;
    const receiver = new WebhookReceiver();

    beforeAll(async () => {
      topology = await startTopology();
      // Generous: these suites run beside busy Redis servers on a shared machine.
      nodes = await SampleNodes.start({ names, store: 'redis', env: topology.env, readyTimeoutMs: 90_000 });
      const url = await receiver.start();
      await nodes.request('alpha', '/webhooks/endpoints', 'POST', 10_000, { url });
    }, 120_000);

    afterAll(async () => {
      await nodes?.dispose();
      await receiver.stop();
      await topology?.stop();
    }, 60_000);

    it('forms one cluster with one leader', async () => {
      const took = await nodes.timeUntilAllSee(names, names, 15_000);
      const { leader } = await nodes.timeUntilLeader(names, 10_000);
      console.log(
        `${label}: all 3 members seen everywhere (${took} ms after the last ready line), leader ${leader.id}`,
      );
    });

    it('loses no committed event when the master of the event stream is SIGKILLed under load', async () => {
      const load = new OrderLoad(nodes, names);
      const watcher = watch(nodes, names);
      await eventually(async () => load.accepted.length >= 50, {
        what: '50 orders before the failover',
        timeoutMs: 60_000,
      });
      const stream = `${nodes.prefix}:events:{order.placed}`;
      const killedAt = Date.now();
      const failover = await topology.killMaster(stream);
      const acceptedAtPromotion = load.accepted.length;
      await eventually(async () => load.accepted.length > acceptedAtPromotion, {
        what: 'an order accepted after the promotion',
        timeoutMs: 30_000,
        intervalMs: 10,
      });
      const recoveredMs = Date.now() - killedAt;
      await eventually(async () => load.accepted.length >= acceptedAtPromotion + 20, {
        what: '20 more orders after the promotion',
        timeoutMs: 30_000,
      });
      await load.stop();
      await watcher.stop();
      const stats = await eventually(
        async () => {
          const s = await nodes.request<Stats>('alpha', '/orders/stats');
          return s.deliveries.distinct >= s.orders && s.handled >= s.orders ? s : undefined;
        },
        { what: 'every committed order event delivered', timeoutMs: 60_000, intervalMs: 500 },
      ).catch(() => nodes.request<Stats>('alpha', '/orders/stats'));
      const lost = stats.orders - stats.deliveries.distinct;
      const duplicated = stats.deliveries.total - stats.deliveries.distinct;
      console.log(
        `${label}: master :${failover.from} SIGKILLed, :${failover.to} promoted in ${failover.ms} ms; ` +
          `${stats.orders} orders committed, ${lost} event(s) lost, ${duplicated} delivered twice, ` +
          `handled once each: ${stats.handled}; answers ${JSON.stringify(load.statusCounts)}; ` +
          `membership gaps seen: ${watcher.falseLeaves.length}; leaders: ${watcher.leaders.join(' -> ')}; ` +
          `first order accepted ${recoveredMs} ms after the kill`,
      );
      // The signed webhook of every accepted order arrives, under one webhook-id (its event id) however often sent.
      await eventually(() => load.accepted.every((order) => receiver.idsByOrder.has(order.orderId)), {
        what: `a webhook for every accepted order (${receiver.idsByOrder.size} of ${load.accepted.length})`,
        timeoutMs: 60_000,
        intervalMs: 500,
      }).catch(() => undefined);
      const missingWebhooks = load.accepted.filter((order) => !receiver.idsByOrder.has(order.orderId)).length;
      const foreignIds = load.accepted.filter((order) => {
        const ids = receiver.idsByOrder.get(order.orderId);
        return ids !== undefined && (ids.size !== 1 || !ids.has(order.eventId));
      }).length;
      console.log(
        `${label}: webhooks after the failover: ${load.accepted.length - missingWebhooks} of ` +
          `${load.accepted.length} accepted orders delivered, ${foreignIds} under an unexpected webhook-id`,
      );
      expect(lost).toBe(0);
      expect(stats.handled).toBe(stats.orders);
      expect({ missingWebhooks, foreignIds }).toEqual({ missingWebhooks: 0, foreignIds: 0 });
      expect(watcher.overlaps).toBe(0);
      expect(watcher.falseLeaves).toEqual([]);
      expect(await nodes.timeUntilAllSee(names, names, 15_000)).toBeGreaterThanOrEqual(0);
    }, 180_000);

    it('keeps membership and one fenced leader when the master holding them is SIGKILLed', async () => {
      await topology.heal();
      const { leader } = await nodes.timeUntilLeader(names, 10_000);
      const load = new OrderLoad(nodes, names);
      const watcher = watch(nodes, names);
      await eventually(async () => load.accepted.length >= 20, {
        what: '20 orders before the failover',
        timeoutMs: 60_000,
      });
      const failover = await topology.killMaster(`${nodes.prefix}:{cluster}:members`);
      const accepted = load.accepted.length;
      await eventually(async () => load.accepted.length >= accepted + 20, {
        what: '20 more orders after the promotion',
        timeoutMs: 30_000,
      });
      await load.stop();
      await watcher.stop();
      const after = await nodes.timeUntilLeader(names, 10_000);
      console.log(
        `${label}: membership master :${failover.from} SIGKILLed, :${failover.to} promoted in ${failover.ms} ms; ` +
          `membership gaps seen: ${watcher.falseLeaves.length} ${watcher.falseLeaves.slice(0, 3).join('; ')}; ` +
          `leaders: ${watcher.leaders.join(' -> ')}; overlapping self-declared leaders: ${watcher.overlaps}`,
      );
      expect(watcher.overlaps).toBe(0);
      expect(watcher.falseLeaves).toEqual([]);
      expect(after.leader.token).toBeGreaterThanOrEqual(leader.token);
      await nodes.timeUntilAllSee(names, names, 15_000);
    }, 180_000);

    it('runs every acknowledged job when the master holding the queues is SIGKILLed', async () => {
      await topology.heal();
      let acknowledged = 0;
      let refused = 0;
      let running = true;
      const enqueue = (async () => {
        for (let batch = 0; running; batch += 1) {
          try {
            await nodes.request(names[batch % 3], `/jobs/bulk?count=20&batch=fo${batch}`, 'POST', 15_000);
            acknowledged += 20;
          } catch {
            refused += 1;
            await sleep(100);
          }
        }
      })();
      await eventually(async () => acknowledged >= 100, {
        what: '100 jobs before the failover',
        timeoutMs: 60_000,
      });
      const failover = await topology.killMaster(`${nodes.prefix}:{jobs}:sample-work:id`);
      const atPromotion = acknowledged;
      await eventually(async () => acknowledged >= atPromotion + 100, {
        what: '100 more jobs after the promotion',
        timeoutMs: 60_000,
      });
      running = false;
      await enqueue;
      const stats = await eventually(
        async () => {
          const s = await nodes.request<{ runs: number; distinct: number }>('alpha', '/jobs/stats');
          return s.distinct >= acknowledged ? s : undefined;
        },
        { what: 'every acknowledged job run', timeoutMs: 60_000, intervalMs: 500 },
      ).catch(() => nodes.request<{ runs: number; distinct: number }>('alpha', '/jobs/stats'));
      console.log(
        `${label}: jobs master :${failover.from} SIGKILLed, :${failover.to} promoted in ${failover.ms} ms; ` +
          `${acknowledged} jobs acknowledged, ${refused} bulk request(s) refused, ${stats.distinct} distinct ran ` +
          `(${stats.runs - stats.distinct} ran twice), missing: ${Math.max(0, acknowledged - stats.distinct)}`,
      );
      expect(stats.distinct).toBeGreaterThanOrEqual(acknowledged);
    }, 180_000);

    it('applies every accepted deposit exactly once, in order, when the master of the shard streams is SIGKILLed', async () => {
      await topology.heal();
      const random = seededRandom();
      const accounts = Array.from({ length: 20 }, (_, i) => `scale-acct-${i}`);
      const load = new DepositLoad(nodes, [...names], accounts, random);
      await eventually(async () => load.count >= 100, {
        what: '100 deposits before the failover',
        timeoutMs: 60_000,
      });
      const killedAt = Date.now();
      const failover = await topology.killMaster(`${nodes.prefix}:msg:{shards}:0`);
      const atPromotion = load.count;
      await eventually(async () => load.count >= atPromotion + 100, {
        what: '100 more deposits after the promotion',
        timeoutMs: 60_000,
      });
      const recoveredMs = Date.now() - killedAt;
      await load.stop();
      const audit = await load.audit('alpha');
      console.log(
        `${label}: shard-stream master :${failover.from} SIGKILLed, :${failover.to} promoted in ${failover.ms} ms; ` +
          `${load.count} deposits answered, ${load.failures} without an answer (seed ${random.seed}); ` +
          `100 more answered ${recoveredMs} ms after the kill; audit ${JSON.stringify(audit)}`,
      );
      expect(audit).toEqual({ duplicates: 0, missing: 0, foreign: 0, broken: [], overlaps: 0 });
    }, 180_000);

    it('detects a SIGKILLed replica after the failover', async () => {
      const sent = Date.now();
      await nodes.node('charlie').kill();
      const redis = topology.connect();
      const lastBeat = await nodes.lastHeartbeatAt('charlie', redis).finally(() => redis.disconnect());
      const took = await nodes.timeUntilAllSee(['alpha', 'bravo'], ['alpha', 'bravo'], 15_000, sent);
      const sinceLastBeat = sent + took - (lastBeat ?? NaN);
      console.log(
        `${label}: SIGKILL -> removed in ${took} ms, ${Math.round(sinceLastBeat)} ms after its last heartbeat ` +
          `(target <= 2.5 s)`,
      );
      expect(sinceLastBeat).toBeGreaterThanOrEqual(2000);
      await nodes.node('charlie').start();
      await nodes.timeUntilAllSee(names, names, 15_000);
    }, 60_000);

    it("invalidates every replica's cache through the bus after the failovers", async () => {
      const read = (name: string) => nodes.request<{ version: number }>(name, '/flags/scale-flag');
      for (const name of names) await read(name); // cached in every replica's L1
      const response = await fetch(`${nodes.url('alpha')}/flags/scale-flag`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ enabled: true }),
        signal: AbortSignal.timeout(30_000),
      });
      expect(response.ok).toBe(true);
      const { version } = (await response.json()) as { version: number };
      const written = Date.now();
      for (const name of names) {
        await eventually(async () => (await read(name)).version === version, {
          what: `${name} serving the new flag version`,
          timeoutMs: 10_000,
        });
      }
      console.log(
        `${label}: cache invalidation seen by all 3 replicas ${Date.now() - written} ms after the write`,
      );
    }, 60_000);

    it('elects a new leader with a higher token after the leader is SIGKILLed', async () => {
      const { leader } = await nodes.timeUntilLeader(names, 10_000);
      const killed = Date.now();
      await nodes.node(leader.id).kill();
      const next = await nodes.timeUntilLeader(
        names.filter((n) => n !== leader.id),
        20_000,
        killed,
      );
      console.log(
        `${label}: leader SIGKILL -> new leader in ${next.took} ms (target <= TTL + 0.5 s = 3.5 s)`,
      );
      expect(next.leader.token).toBeGreaterThan(leader.token);
    }, 60_000);
  });
}
