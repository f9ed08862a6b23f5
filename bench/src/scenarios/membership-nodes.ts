import { resolve } from 'node:path';
import { freePort, NodeProcess } from '@shoal/testing';
import { getJson } from '../harness/http-json.js';
import type { Contestant } from '../harness/interleave.js';

/** The built sample app: the `shoal` contestant (`npm run build` first). */
export const SAMPLE_MAIN = resolve(import.meta.dirname, '../../../apps/sample/dist/main.js');
/** The hand-written membership node: the `raw` contestant. */
export const RAW_MEMBER = resolve(import.meta.dirname, '../fixtures/raw-member.js');
/** A Nest app without Shoal: the idle-cost baseline. */
export const BARE_APP = resolve(import.meta.dirname, '../fixtures/bare-app.js');
/** The bare Nest app plus `ClusterModule` alone (Redis store): the idle cost of membership. */
export const CLUSTER_APP = resolve(import.meta.dirname, '../fixtures/cluster-app.js');

/** The script each contestant runs as a cluster node. */
export const NODE_SCRIPT: Readonly<Record<Contestant, string>> = { shoal: SAMPLE_MAIN, raw: RAW_MEMBER };

/** A membership change as a node reports it in `GET /cluster`. */
export interface SeenEvent {
  readonly type: 'joined' | 'left';
  readonly id: string;
  /** When that node saw it (ISO, its local clock). */
  readonly at: string;
}

/** The part of `GET /cluster` both contestants answer alike. */
export interface ClusterView {
  readonly self: { readonly id: string };
  readonly members: readonly { readonly id: string }[];
  readonly events: readonly SeenEvent[];
}

/** One running (or stopped) node process and the port it serves on. */
export interface BenchNode {
  readonly id: string;
  readonly port: number;
  readonly process: NodeProcess;
}

/** A fresh random key prefix (lower-case letters and digits, as Shoal requires). */
export function randomPrefix(): string {
  return `bench_${Math.random().toString(36).slice(2, 10)}`;
}

/** Where a node keeps its state: its private Redis, its key prefix, and a Postgres database. */
export interface NodeStores {
  readonly redisUrl: string;
  readonly prefix: string;
  /**
   * `DATABASE_URL`: a private Postgres. The sample app connects to Postgres (and its leader module creates
   * tables there) even with `SHOAL_STORE=redis`; left unset it would use the shared server on :5432.
   */
  readonly databaseUrl: string;
}

/**
 * Builds (does not start) a node running `script` with the sample app's environment: `PORT`, `SHOAL_NODE_ID`,
 * `REDIS_URL`, `SHOAL_PREFIX`, `DATABASE_URL`, `SHOAL_STORE=redis`, `NO_COLOR=1`. Default heartbeat (500 ms)
 * and failure timeout (2000 ms).
 */
export async function benchNode(script: string, id: string, stores: NodeStores): Promise<BenchNode> {
  const port = await freePort();
  const process = new NodeProcess({
    name: id,
    script,
    env: {
      PORT: String(port),
      SHOAL_NODE_ID: id,
      REDIS_URL: stores.redisUrl,
      SHOAL_PREFIX: stores.prefix,
      DATABASE_URL: stores.databaseUrl,
      SHOAL_STORE: 'redis',
      // The sample's HealthModule keeps serving for a drain delay (5 s by default, for load balancers) before its
      // modules stop: measured here is what LeaderModule and ClusterModule do once they stop, as with no drain.
      SHOAL_DRAIN_DELAY: '0',
      NO_COLOR: '1',
    },
  });
  return { id, port, process };
}

/** The node's `GET /cluster`, or `undefined` when it does not answer within 1 s. */
export function clusterView(node: BenchNode): Promise<ClusterView | undefined> {
  return getJson<ClusterView>(`http://127.0.0.1:${node.port}/cluster`);
}

/** The local time (epoch ms) at which `view`'s node saw `type` of `id`: the latest such event, if any. */
export function seenAt(
  view: ClusterView | undefined,
  type: SeenEvent['type'],
  id: string,
): number | undefined {
  const event = view?.events.findLast((e) => e.type === type && e.id === id);
  return event === undefined ? undefined : Date.parse(event.at);
}
