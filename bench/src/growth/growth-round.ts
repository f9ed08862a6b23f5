import {
  createNodeInfo,
  PostgresMembershipStore,
  RedisMembershipStore,
  rendezvousOwner,
} from '@shoal/cluster/internal';
import type { MembershipStore } from '@shoal/cluster/internal';
import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { median } from '../harness/stats.js';
import type { GrowthPoint } from './growth-chart.js';
import { SimulatedMember, type MemberTiming } from './simulated-member.js';
import { rates, type StoreCounters } from './store-probe.js';

/** Where one round's members keep their membership. */
export interface GrowthStore {
  readonly kind: GrowthPoint['store'];
  /** A store handle for one more member of namespace `ns` (its own connection, as a replica would have). */
  member(ns: string): Promise<MembershipStore>;
  counters(): Promise<StoreCounters>;
  /** Closes every connection `member` opened. */
  release(): Promise<void>;
}

/** Settings of one round. */
export interface RoundSettings {
  readonly timing: MemberTiming;
  readonly settleMs: number;
  readonly windowMs: number;
  readonly trials: number;
}

/** Members per Postgres `DataSource`: the bench's processes share pools; a real replica has its own (pool + 1). */
const MEMBERS_PER_DATA_SOURCE = 15;

/** A Redis store: every member gets its own connection (plus the subscriber the store opens). */
export function redisGrowthStore(
  url: string,
  counters: (redis: Redis) => Promise<StoreCounters>,
): GrowthStore {
  const clients: Redis[] = [];
  const probe = new Redis(url);
  probe.on('error', () => undefined); // the server stops before the process exits
  return {
    kind: 'redis',
    member: async (ns) => {
      const client = new Redis(url);
      clients.push(client);
      return new RedisMembershipStore(client, ns);
    },
    counters: () => counters(probe),
    release: async () => {
      for (const client of clients.splice(0)) client.disconnect();
    },
  };
}

/** A Postgres store: members share a `DataSource` per {@link MEMBERS_PER_DATA_SOURCE}. */
export function postgresGrowthStore(url: string, counters: () => Promise<StoreCounters>): GrowthStore {
  const sources: Promise<DataSource>[] = [];
  let handed = 0;
  return {
    kind: 'postgres',
    member: async (ns) => {
      const group = Math.floor(handed++ / MEMBERS_PER_DATA_SOURCE);
      sources[group] ??= new DataSource({ type: 'postgres', url, extra: { max: 2 } }).initialize();
      return new PostgresMembershipStore(await sources[group], ns);
    },
    counters,
    release: async () => {
      handed = 0;
      for (const source of sources.splice(0)) await (await source).destroy();
    },
  };
}

/** Fraction of 4096 keys whose rendezvous owner changes when one member joins `n`, times 4096. */
function shardMovesPerJoin(n: number): number {
  const ids = Array.from({ length: n }, (_, i) => `m${i}`);
  let moved = 0;
  for (let k = 0; k < 4096; k += 1) {
    const key = `key-${k}`;
    if (rendezvousOwner(key, ids) !== rendezvousOwner(key, [...ids, 'joiner'])) moved += 1;
  }
  return moved;
}

/** Re-read delay of every member but the observer (`m0`) and the trial joiners: see `SimulatedMember`. */
const FOLLOWER_NOTICE_DELAY_MS = 250;

async function startMember(store: GrowthStore, ns: string, id: string, timing: MemberTiming) {
  const follower = /^m[1-9]/.test(id);
  const member = new SimulatedMember(
    createNodeInfo({ nodeId: id }),
    await store.member(ns),
    timing,
    follower ? FOLLOWER_NOTICE_DELAY_MS : 0,
  );
  await member.start();
  return member;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long all members may take to start and be seen together. */
const STARTUP_DEADLINE_MS = 120_000;
/** How long a join or a crash may take to be seen before the round is given up (the driver fell behind). */
const TRIAL_DEADLINE_MS = 30_000;

async function withDeadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `members` simulated members on `store`, measures its load, then join and crash trials. */
export async function growthRound(
  store: GrowthStore,
  members: number,
  settings: RoundSettings,
): Promise<GrowthPoint> {
  const ns = `g${members}_${store.kind}_${Math.random().toString(36).slice(2, 8)}`;
  const cluster: SimulatedMember[] = [];
  try {
    let abandoned = false;
    const observer = await withDeadline(
      (async () => {
        for (let i = 0; i < members && !abandoned; i += 25) {
          const batch = Array.from({ length: Math.min(25, members - i) }, (_, j) => `m${i + j}`);
          cluster.push(
            ...(await Promise.all(batch.map((id) => startMember(store, ns, id, settings.timing)))),
          );
          // Let each batch's join storm settle before the next one (a member that missed a change re-reads): in
          // one process, N members re-reading N records each is N² work that real replicas spread over N machines.
          const started = cluster.length;
          await cluster[0].until((view) => view.size >= started);
        }
        await cluster[0].until((view) => view.size === members);
        return cluster[0];
      })(),
      STARTUP_DEADLINE_MS,
      `${members} members never all started and seen at once within ${STARTUP_DEADLINE_MS / 1000} s: ` +
        'the driver cannot keep them beating on this machine',
    ).catch((error: unknown) => {
      abandoned = true;
      throw error;
    });
    await sleep(settings.settleMs);
    const before = await store.counters();
    const beatsBefore = SimulatedMember.beats;
    await sleep(settings.windowMs);
    const load = rates(before, await store.counters());
    // Under 2 beats per member per second, the driver (one process for all members) fell behind the pace.
    const beatsPerMemberPerSecond =
      (SimulatedMember.beats - beatsBefore) / members / (settings.windowMs / 1000);
    const joins: number[] = [];
    const crashes: number[] = [];
    for (let trial = 0; trial < settings.trials; trial += 1) {
      const id = `joiner${trial}`;
      const started = performance.now();
      const joiner = await startMember(store, ns, id, settings.timing);
      await withDeadline(
        observer.until((view) => view.has(id)),
        TRIAL_DEADLINE_MS,
        `${id} never seen`,
      );
      joins.push(performance.now() - started);
      await sleep(settings.timing.heartbeatInterval * 2);
      const killed = performance.now();
      await joiner.crash();
      await withDeadline(
        observer.until((view) => !view.has(id)),
        TRIAL_DEADLINE_MS,
        `${id} never seen gone after its crash`,
      );
      crashes.push(performance.now() - killed);
    }
    return {
      store: store.kind,
      members,
      ...load,
      beatsPerMemberPerSecond: Math.round(beatsPerMemberPerSecond * 100) / 100,
      joinVisibleMs: Math.round(median(joins)),
      crashDetectedMs: Math.round(median(crashes)),
      shardMovesPerJoin: shardMovesPerJoin(members),
    };
  } finally {
    await Promise.all(cluster.map((member) => member.crash().catch(() => undefined)));
    await store.release();
  }
}
