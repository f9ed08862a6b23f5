import { resolve } from 'node:path';
import { eventually, freePort, NodeProcess } from '@shoal/testing';
import type { ConsumerSamples, ConsumerStats, PublishRun } from '../fixtures/event-load.js';
import { requestJson } from '../harness/http-json.js';
import type { Contestant } from '../harness/interleave.js';
import type { Scope } from '../harness/scope.js';

/** The Shoal events app (publisher, consumer or relay by `BENCH_ROLE`). */
export const EVENTS_APP = resolve(import.meta.dirname, '../fixtures/events-app.js');
/** The hand-written Redis Streams publisher / consumer. */
export const RAW_EVENTS = resolve(import.meta.dirname, '../fixtures/raw-events.js');
/** The hand-written SKIP LOCKED outbox relay. */
export const RAW_RELAY = resolve(import.meta.dirname, '../fixtures/raw-relay.js');

/** The stream script of each contestant. */
export const STREAM_SCRIPT: Readonly<Record<Contestant, string>> = { shoal: EVENTS_APP, raw: RAW_EVENTS };
/** The relay script of each contestant. */
export const RELAY_SCRIPT: Readonly<Record<Contestant, string>> = { shoal: EVENTS_APP, raw: RAW_RELAY };

/**
 * Node options of both contestants' processes in the cross-process latency runs: V8's memory reducer off. The reducer
 * shrinks the heap of a process whose allocation rate dropped, checking every 8 s from the last full collection;
 * the runs' alternating idle slices make every process of a round look idle at one of those checks, 16–24 s after
 * it started, so one or two "reduce" mark-compacts landed in the measured slices of each process — 15–33 ms pauses in
 * a Shoal process (a Nest app's ~24 MB heap), 1–6 ms in the raw script (~4 MB), and the CPU they took slowed the
 * other processes on this 2-core machine too. That is start-up (the boot-time heap shrunk once), not the event path;
 * a process under steady traffic does not trigger it. Both sides run with the same option.
 */
export const STEADY_STATE_NODE: readonly string[] = ['--no-memory-reducer'];

/** The longest a publish run or a drain may take. */
const RUN_TIMEOUT_MS = 60_000;

/** A started events process and its control port. */
export interface EventsNode {
  readonly id: string;
  readonly port: number;
  readonly process: NodeProcess;
}

/** Where an events process keeps its state. */
export interface EventsStores {
  readonly redisUrl: string;
  readonly prefix: string;
  /** A private Postgres, or undefined for none (the env var is then set empty, so none is inherited). */
  readonly databaseUrl?: string;
  /** `postgres`: the events app runs on Postgres alone (the event log); default Redis. */
  readonly store?: 'redis' | 'postgres';
}

/**
 * Starts `script` as `role` (killed when `scope` closes) and waits for its readiness line.
 * @param execArgv options of node itself for the process (see `STEADY_STATE_NODE`).
 */
export async function startEventsNode(
  script: string,
  id: string,
  role: 'publisher' | 'consumer' | 'relay',
  stores: EventsStores,
  scope: Scope,
  execArgv: readonly string[] = [],
): Promise<EventsNode> {
  const port = await freePort();
  const process = new NodeProcess({
    name: id,
    script,
    execArgv: [...execArgv],
    env: {
      PORT: String(port),
      SHOAL_NODE_ID: id,
      REDIS_URL: stores.redisUrl,
      SHOAL_PREFIX: stores.prefix,
      DATABASE_URL: stores.databaseUrl ?? '',
      SHOAL_RELAY: 'all',
      BENCH_ROLE: role,
      BENCH_STORE: stores.store ?? 'redis',
      NO_COLOR: '1',
    },
  });
  scope.track(process, (p) => p.kill());
  await process.start();
  return { id, port, process };
}

const url = (node: EventsNode, path: string): string => `http://127.0.0.1:${node.port}${path}`;

/** Asks `publisher` to publish `count` events at `rate`/s (0: as fast as possible, `window` in flight). */
export function publish(
  publisher: EventsNode,
  options: { count: number; rate: number; window?: number; outbox?: boolean },
): Promise<PublishRun> {
  const query = new URLSearchParams({
    count: String(options.count),
    rate: String(options.rate),
    window: String(options.window ?? 1),
    outbox: options.outbox ? '1' : '0',
  });
  return requestJson<PublishRun>('POST', url(publisher, `/publish?${query}`), RUN_TIMEOUT_MS);
}

/** Waits until `consumer` has handled at least `count` events since its last reset; returns its stats. */
export function handled(consumer: EventsNode, count: number): Promise<ConsumerStats> {
  return eventually(
    async () => {
      const stats = await requestJson<ConsumerStats>('GET', url(consumer, '/stats'), 5000);
      return stats.count >= count ? stats : undefined;
    },
    { timeoutMs: RUN_TIMEOUT_MS, intervalMs: 20, what: `${consumer.id} handled ${count} events` },
  );
}

/** What `consumer` recorded since its last reset. */
export function consumerSamples(consumer: EventsNode): Promise<ConsumerSamples> {
  return requestJson<ConsumerSamples>('GET', url(consumer, '/samples'), 10_000);
}

/** Clears `consumer`'s records. */
export async function resetConsumer(consumer: EventsNode): Promise<void> {
  await requestJson('POST', url(consumer, '/reset'), 5000);
}
