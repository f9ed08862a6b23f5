import { resolve } from 'node:path';
import { eventually, RedisServer } from '@shoal/testing';
import { Redis } from 'ioredis';
import { getJson } from '../harness/http-json.js';
import type { Contestant } from '../harness/interleave.js';
import type { Scope } from '../harness/scope.js';
import { sleep, within } from '../harness/sleep.js';
import { benchNode, randomPrefix, SAMPLE_MAIN, type BenchNode } from './membership-nodes.js';

/** The hand-written leader election: the `raw` contestant. */
export const RAW_LEADER = resolve(import.meta.dirname, '../fixtures/raw-leader.js');

/** The script each contestant runs as a leader candidate. */
const LEADER_SCRIPT: Readonly<Record<Contestant, string>> = { shoal: SAMPLE_MAIN, raw: RAW_LEADER };

/** The Redis key holding the leader lease, per contestant (read only for its remaining TTL). */
const LEASE_KEY: Readonly<Record<Contestant, (prefix: string) => string>> = {
  shoal: (prefix) => `${prefix}:{lease:leader}:holder`,
  raw: (prefix) => `${prefix}:leader`,
};

/** Both contestants' lease timing (Shoal's defaults). */
export const LEASE_TTL_MS = 3000;
export const RENEW_MS = 1000;
/** Candidates in every turn. */
const NODES = 3;
/** How often the survivors are polled after the signal. */
const POLL_MS = 10;
/** The longest a failover may take before the trial fails. */
const FAILOVER_TIMEOUT_MS = 10_000;
/** The longest a signalled node may take to exit before it is SIGKILLed. */
const EXIT_TIMEOUT_MS = 15_000;

/** The part of `GET /cluster` both contestants answer alike. */
interface LeaderView {
  readonly self: { readonly id: string };
  readonly leader: { readonly id: string; readonly token: number } | null;
}

/** Samples of one failover turn, in ms: one per trial. */
export interface FailoverSamples {
  /** SIGTERM of the leader → a survivor declares itself leader. */
  sigterm_ms: number[];
  /** SIGKILL of the leader → a survivor declares itself leader. */
  sigkill_ms: number[];
}

/** One contestant's failover turn. */
export interface FailoverTurn {
  readonly contestant: Contestant;
  /** 1-based round number (names the nodes, and picks the kill phases). */
  readonly round: number;
  /** SIGTERM trials and SIGKILL trials each, in this turn. */
  readonly trialsPerKind: number;
  /** `DATABASE_URL` of the sample app: a private Postgres. */
  readonly databaseUrl: string;
}

/** Whether `node` says it is the leader right now. */
async function declares(node: BenchNode): Promise<boolean> {
  const view = await getJson<LeaderView>(`http://127.0.0.1:${node.port}/cluster`, 500);
  return view !== undefined && view.leader !== null && view.leader.id === view.self.id;
}

/**
 * Polls `nodes` every {@link POLL_MS} until one declares itself leader; returns it with `performance.now()` when
 * that answer arrived.
 */
async function firstDeclared(
  nodes: readonly BenchNode[],
  signal: AbortSignal,
  timeoutMs = FAILOVER_TIMEOUT_MS,
): Promise<{ node: BenchNode; at: number }> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const tick = performance.now();
    const answers = await Promise.all(nodes.map(declares));
    const at = performance.now();
    const index = answers.indexOf(true);
    if (index >= 0) return { node: nodes[index], at };
    if (at > deadline) {
      throw new Error(`no leader among ${nodes.map((n) => n.id).join(', ')} within ${timeoutMs} ms`);
    }
    await sleep(Math.max(0, tick + POLL_MS - performance.now()), signal);
  }
}

/**
 * Where in the leader's renewal cycle trial `n` signals it, as a fraction of the renew interval since the last
 * renewal: it walks evenly over [0, 1) with the trial number (golden-ratio sequence), the same for both
 * contestants. A SIGKILL right after a renewal leaves the full TTL to wait out, one just before leaves TTL − renew
 * interval.
 */
export function killPhase(trialNumber: number): number {
  return (trialNumber * 0.6180339887) % 1;
}

/**
 * Sleeps until the lease at `key` was last renewed `phaseMs` ago (in a renewal cycle that has not passed that
 * point yet), judging the renewal time from the key's remaining TTL.
 */
async function waitForPhase(redis: Redis, key: string, phaseMs: number, signal: AbortSignal): Promise<void> {
  const before = performance.now();
  const remaining = await redis.pttl(key);
  if (remaining <= 0) throw new Error(`lease key ${key} has no TTL (${remaining})`);
  const lastRenewal = (before + performance.now()) / 2 - (LEASE_TTL_MS - remaining);
  const cycles = Math.max(0, Math.ceil((performance.now() + 20 - lastRenewal - phaseMs) / RENEW_MS));
  await sleep(Math.max(0, lastRenewal + cycles * RENEW_MS + phaseMs - performance.now()), signal);
}

/**
 * One contestant's failover turn, against its own private redis-server: {@link NODES} candidates; then
 * `2 × trialsPerKind` times (SIGKILL and SIGTERM alternating) the leader is signalled at phase {@link killPhase} of
 * its renewal cycle (read from the lease key's remaining TTL), the time until a survivor declares itself leader is
 * measured (survivors polled every 10 ms), and a fresh candidate replaces the signalled one.
 */
export function leaderFailoverTurn(turn: FailoverTurn, parent: Scope): Promise<FailoverSamples> {
  const { contestant, round, trialsPerKind } = turn;
  return parent.child(async (scope) => {
    const redis = scope.track(await RedisServer.start(), (r) => r.kill());
    const stores = { redisUrl: redis.url, prefix: randomPrefix(), databaseUrl: turn.databaseUrl };
    const leaseKey = LEASE_KEY[contestant](stores.prefix);
    const probe = scope.track(new Redis(redis.url, { connectionName: 'bench' }), (c) => c.quit());
    const script = LEADER_SCRIPT[contestant];
    const start = async (name: string): Promise<{ node: BenchNode; stop: () => Promise<void> }> => {
      const node = await benchNode(script, `${contestant}-r${round}-${name}`, stores);
      const stop = scope.defer(() => node.process.kill());
      await node.process.start();
      return { node, stop };
    };

    let live = await Promise.all(Array.from({ length: NODES }, (_, i) => start(`n${i + 1}`)));
    let leader = await firstDeclared(
      live.map((l) => l.node),
      scope.signal,
    );

    const samples: FailoverSamples = { sigterm_ms: [], sigkill_ms: [] };
    for (let trial = 1; trial <= 2 * trialsPerKind; trial++) {
      scope.check();
      const kind = trial % 2 === 1 ? 'SIGKILL' : 'SIGTERM';
      const victim = live.find((l) => l.node === leader.node);
      if (!victim) throw new Error(`leader ${leader.node.id} is not a live candidate`);
      const survivors = live.filter((l) => l !== victim);

      if (!(await declares(victim.node))) throw new Error(`${victim.node.id} lost leadership before ${kind}`);
      const phaseMs = killPhase((round - 1) * 2 * trialsPerKind + trial) * RENEW_MS;
      await waitForPhase(probe, leaseKey, phaseMs, scope.signal);

      const signalledAt = performance.now();
      victim.node.process.signal(kind);
      leader = await firstDeclared(
        survivors.map((l) => l.node),
        scope.signal,
      );
      (kind === 'SIGKILL' ? samples.sigkill_ms : samples.sigterm_ms).push(leader.at - signalledAt);

      // Let the signalled node finish (a SIGTERMed one shuts down gracefully), then replace it.
      const exited = await within(victim.node.process.exited(), EXIT_TIMEOUT_MS);
      if (!exited) throw new Error(`${victim.node.id} did not exit within ${EXIT_TIMEOUT_MS} ms of ${kind}`);
      await victim.stop();
      live = [...survivors, await start(`t${trial}`)];
      // The newcomer must not have taken over meanwhile.
      await eventually(() => declares(leader.node), {
        timeoutMs: 2000,
        what: `${leader.node.id} still leads`,
      });
    }
    return samples;
  });
}
