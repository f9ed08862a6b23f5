import { RedisServer } from '@shoal/testing';
import { alternatingSlices, sideOrder, type Contestant } from '../harness/interleave.js';
import type { Scope } from '../harness/scope.js';
import { median, percentile } from '../harness/stats.js';
import { randomPrefix } from './membership-nodes.js';
import {
  consumerSamples,
  handled,
  publish,
  resetConsumer,
  startEventsNode,
  STEADY_STATE_NODE,
  STREAM_SCRIPT,
  type EventsNode,
} from './events-nodes.js';

/** Shape of one cross-process turn. */
export interface StreamSettings {
  /** Events per second of the latency run (and the warm-up). */
  readonly rate: number;
  /** Events of the latency run. */
  readonly latencyEvents: number;
  /** Unmeasured events first, at `rate`. */
  readonly warmupEvents: number;
  /** Events of the throughput run, published as fast as possible. */
  readonly burstEvents: number;
  /** Publishes in flight during the throughput run. */
  readonly burstWindow: number;
}

/** Samples of one side of a cross-process round (a type alias, so that it is a `MetricSamples`). */
export type StreamSamples = {
  /** Publish → handler, ms, every event of the latency run. */
  stream_ms: number[];
  stream_p50_ms: number[];
  stream_p99_ms: number[];
  /** Events handled per second in the throughput run: count / (last handled − first publish). */
  stream_events_per_s: number[];
  /** Publish calls per second in the throughput run (the publisher alone: first publish → last resolved). */
  stream_publish_per_s: number[];
};

/** One contestant's started publisher and consumer. */
interface StreamPair {
  readonly publisher: EventsNode;
  readonly consumer: EventsNode;
}

/** Starts `contestant`'s publisher and consumer on a private redis-server of their own (stopped with `scope`). */
async function startStreamPair(contestant: Contestant, round: number, scope: Scope): Promise<StreamPair> {
  const redis = scope.track(await RedisServer.start(), (r) => r.kill());
  const stores = { redisUrl: redis.url, prefix: randomPrefix() };
  const script = STREAM_SCRIPT[contestant];
  const [publisher, consumer] = await Promise.all([
    startEventsNode(script, `${contestant}-r${round}-pub`, 'publisher', stores, scope, STEADY_STATE_NODE),
    startEventsNode(script, `${contestant}-r${round}-con`, 'consumer', stores, scope, STEADY_STATE_NODE),
  ]);
  return { publisher, consumer };
}

/** How many slices the latency run and bursts the throughput run of a round are cut into. */
export interface StreamSlices {
  readonly latency: number;
  readonly throughput: number;
}

/**
 * One round of the cross-process runs with both contestants' processes up at once, each pair on its own
 * redis-server: both warm up, then the latency run is cut into `slices.latency` slices that alternate between the
 * two (A B A B…, which side goes first alternating by round), so a spell of other load on this shared machine, which
 * lasts seconds, falls on both sides alike instead of on whichever 8-second turn it happens to hit; the throughput
 * run likewise, in `slices.throughput` bursts alternating between the sides. The side not measuring idles meanwhile.
 */
export function eventsStreamRound(
  round: number,
  settings: StreamSettings,
  slices: StreamSlices,
  parent: Scope,
): Promise<Record<Contestant, StreamSamples>> {
  return parent.child(async (scope) => {
    const order = sideOrder(round);
    const started = await Promise.all(order.map((contestant) => startStreamPair(contestant, round, scope)));
    const pairs = Object.fromEntries(order.map((c, i) => [c, started[i]])) as Record<Contestant, StreamPair>;
    for (const contestant of order) await warmUp(pairs[contestant], settings);
    const perSlice = Math.ceil(settings.latencyEvents / slices.latency);
    const latency = await alternatingSlices(order, slices.latency, (c) =>
      latencyRun(pairs[c], perSlice, settings.rate),
    );
    const perBurst = Math.ceil(settings.burstEvents / slices.throughput);
    const bursts = await alternatingSlices(order, slices.throughput, (c) =>
      burstRun(pairs[c], perBurst, settings.burstWindow),
    );
    const result = {} as Record<Contestant, StreamSamples>;
    for (const contestant of order) {
      result[contestant] = samplesOf(latency[contestant].flat(), throughputOf(bursts[contestant]));
    }
    return result;
  });
}

/**
 * The runs of one cross-process turn on started processes: a warm-up, a paced latency run, then a throughput run
 * (the consumer's records reset in between).
 */
export async function streamRuns(
  publisher: EventsNode,
  consumer: EventsNode,
  settings: StreamSettings,
): Promise<StreamSamples> {
  const pair = { publisher, consumer };
  await warmUp(pair, settings);
  const latencyMs = await latencyRun(pair, settings.latencyEvents, settings.rate);
  return samplesOf(latencyMs, await throughputRun(pair, settings));
}

/** Unmeasured events at the latency run's rate; the consumer's records are reset after them. */
async function warmUp({ publisher, consumer }: StreamPair, settings: StreamSettings): Promise<void> {
  await publish(publisher, { count: settings.warmupEvents, rate: settings.rate });
  await handled(consumer, settings.warmupEvents);
  await resetConsumer(consumer);
}

/** `count` events at `rate`/s; every event's publish → handler latency (ms). Leaves the consumer's records reset. */
async function latencyRun(
  { publisher, consumer }: StreamPair,
  count: number,
  rate: number,
): Promise<number[]> {
  await publish(publisher, { count, rate });
  await handled(consumer, count);
  const { latencyMs } = await consumerSamples(consumer);
  await resetConsumer(consumer);
  return latencyMs;
}

/** What a throughput run measured. */
interface Throughput {
  /** Events handled per second: count / (last handled − first publish). */
  readonly eventsPerS: number;
  /** Publish calls per second (first publish → last resolved). */
  readonly publishPerS: number;
}

/** One burst: its events, first publish → last handled, and first publish → last publish resolved (ms). */
interface Burst {
  readonly events: number;
  readonly handledMs: number;
  readonly publishedMs: number;
}

/** `count` events published as fast as possible with `window` in flight. Leaves the consumer's records reset. */
async function burstRun({ publisher, consumer }: StreamPair, count: number, window: number): Promise<Burst> {
  const burst = await publish(publisher, { count, rate: 0, window });
  const done = await handled(consumer, count);
  await resetConsumer(consumer);
  return {
    events: count,
    handledMs: done.lastAt - burst.startedAt,
    publishedMs: burst.endedAt - burst.startedAt,
  };
}

/** The rates of a run made of `bursts`: all their events over all their time. */
function throughputOf(bursts: readonly Burst[]): Throughput {
  const events = bursts.reduce((sum, b) => sum + b.events, 0);
  const handledMs = bursts.reduce((sum, b) => sum + b.handledMs, 0);
  const publishedMs = bursts.reduce((sum, b) => sum + b.publishedMs, 0);
  return { eventsPerS: (events * 1000) / handledMs, publishPerS: (events * 1000) / publishedMs };
}

/** `burstEvents` published as fast as possible with `burstWindow` in flight, in one burst. */
function throughputRun(pair: StreamPair, settings: StreamSettings): Promise<Throughput> {
  return burstRun(pair, settings.burstEvents, settings.burstWindow).then((burst) => throughputOf([burst]));
}

function samplesOf(latencyMs: number[], throughput: Throughput): StreamSamples {
  return {
    stream_ms: latencyMs,
    stream_p50_ms: [median(latencyMs)],
    stream_p99_ms: [percentile(latencyMs, 99)],
    stream_events_per_s: [throughput.eventsPerS],
    stream_publish_per_s: [throughput.publishPerS],
  };
}
