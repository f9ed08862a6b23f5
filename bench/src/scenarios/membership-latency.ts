import { eventually, RedisServer } from '@shoal/testing';
import type { Contestant } from '../harness/interleave.js';
import type { Scope } from '../harness/scope.js';
import { sleep } from '../harness/sleep.js';
import {
  benchNode,
  clusterView,
  NODE_SCRIPT,
  randomPrefix,
  seenAt,
  type BenchNode,
} from './membership-nodes.js';

/** How often observers are polled while waiting for an event. */
const POLL_INTERVAL_MS = 20;
/** The longest any awaited event may take before the trial fails. */
const POLL_TIMEOUT_MS = 10_000;
/** Both contestants' heartbeat interval. */
const HEARTBEAT_MS = 500;

/**
 * How long the new node runs after its join was seen before it is SIGKILLed: one heartbeat plus a fraction of
 * another that walks evenly over [0, 1) with the trial number (golden-ratio sequence), so kills land at every
 * phase of the heartbeat, and at the same phases for both contestants. Killing right after the join would always
 * hit just after a heartbeat and bias the removal time.
 */
export function killDelayMs(trialNumber: number): number {
  const phase = (trialNumber * 0.6180339887) % 1;
  return Math.round(HEARTBEAT_MS * (1 + phase));
}

/** Samples of one latency turn, in ms: one per trial. */
export interface LatencySamples {
  /** Join seen: max over observers of (observer saw `joined`) − (new node saw its own `joined`). */
  join_ms: number[];
  /** SIGKILL removal seen: max over observers of (observer saw `left`) − (just before SIGKILL). */
  kill_ms: number[];
}

/** One contestant's latency turn. */
export interface LatencyTurn {
  readonly contestant: Contestant;
  /** 1-based round number (names the nodes). */
  readonly round: number;
  /** Join + SIGKILL trials in this turn. */
  readonly trials: number;
  /** `DATABASE_URL` of the nodes (see {@link NodeStores}). */
  readonly databaseUrl: string;
}

/** Polls `node` until it reports having seen `type` of `id`; returns that local time (epoch ms). */
async function waitSeen(node: BenchNode, type: 'joined' | 'left', id: string): Promise<number> {
  const at = await eventually(async () => seenAt(await clusterView(node), type, id), {
    timeoutMs: POLL_TIMEOUT_MS,
    intervalMs: POLL_INTERVAL_MS,
    what: `${node.id} saw ${type}:${id}`,
  });
  if (at === undefined) throw new Error(`${node.id} reported ${type}:${id} without a time`);
  return at;
}

/**
 * One contestant's latency turn, against its own private redis-server: two observer nodes, then `trials` times a
 * third node (fresh id) is started, its join measured, it is SIGKILLed after {@link killDelayMs}, and its removal
 * measured.
 */
export function membershipLatencyTurn(turn: LatencyTurn, parent: Scope): Promise<LatencySamples> {
  const { contestant, round, trials } = turn;
  return parent.child(async (scope) => {
    const redis = scope.track(await RedisServer.start(), (r) => r.kill());
    const stores = { redisUrl: redis.url, prefix: randomPrefix(), databaseUrl: turn.databaseUrl };
    const script = NODE_SCRIPT[contestant];
    const observers = await Promise.all(
      ['o1', 'o2'].map((name) => benchNode(script, `${contestant}-r${round}-${name}`, stores)),
    );
    for (const o of observers) scope.track(o.process, (p) => p.kill());
    await Promise.all(observers.map((o) => o.process.start()));
    await eventually(
      async () => (await Promise.all(observers.map(clusterView))).every((v) => v?.members.length === 2),
      { timeoutMs: POLL_TIMEOUT_MS, what: 'the observers see each other' },
    );

    const samples: LatencySamples = { join_ms: [], kill_ms: [] };
    for (let trial = 1; trial <= trials; trial++) {
      scope.check();
      const id = `${contestant}-r${round}-t${trial}`;
      const node = await benchNode(script, id, stores);
      const stop = scope.defer(() => node.process.kill());
      await node.process.start();

      const ownJoin = await waitSeen(node, 'joined', id);
      const joinSeen = await Promise.all(observers.map((o) => waitSeen(o, 'joined', id)));
      samples.join_ms.push(Math.max(...joinSeen) - ownJoin);

      await sleep(killDelayMs((round - 1) * trials + trial), scope.signal);
      const killedAt = Date.now();
      node.process.signal('SIGKILL');
      const leftSeen = await Promise.all(observers.map((o) => waitSeen(o, 'left', id)));
      samples.kill_ms.push(Math.max(...leftSeen) - killedAt);
      await stop();
    }
    return samples;
  });
}
