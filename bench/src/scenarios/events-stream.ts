import { RedisServer } from '@shoal/testing';
import type { Contestant } from '../harness/interleave.js';
import type { Scope } from '../harness/scope.js';
import { median, percentile } from '../harness/stats.js';
import { randomPrefix } from './membership-nodes.js';
import {
  consumerSamples,
  handled,
  publish,
  resetConsumer,
  startEventsNode,
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

/** Samples of one cross-process turn. */
export interface StreamSamples {
  /** Publish → handler, ms, every event of the latency run. */
  stream_ms: number[];
  stream_p50_ms: number[];
  stream_p99_ms: number[];
  /** Events handled per second in the throughput run: count / (last handled − first publish). */
  stream_events_per_s: number[];
  /** Publish calls per second in the throughput run (the publisher alone: first publish → last resolved). */
  stream_publish_per_s: number[];
}

/**
 * One contestant's cross-process turn, on its own private redis-server: a publisher process and a consumer process;
 * a warm-up, a paced latency run, then a throughput run (the consumer's records reset in between).
 */
export function eventsStreamTurn(
  contestant: Contestant,
  round: number,
  settings: StreamSettings,
  parent: Scope,
): Promise<StreamSamples> {
  return parent.child(async (scope) => {
    const redis = scope.track(await RedisServer.start(), (r) => r.kill());
    const stores = { redisUrl: redis.url, prefix: randomPrefix() };
    const script = STREAM_SCRIPT[contestant];
    const [publisher, consumer] = await Promise.all([
      startEventsNode(script, `${contestant}-r${round}-pub`, 'publisher', stores, scope),
      startEventsNode(script, `${contestant}-r${round}-con`, 'consumer', stores, scope),
    ]);
    return streamRuns(publisher, consumer, settings);
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
  await publish(publisher, { count: settings.warmupEvents, rate: settings.rate });
  await handled(consumer, settings.warmupEvents);
  await resetConsumer(consumer);

  await publish(publisher, { count: settings.latencyEvents, rate: settings.rate });
  await handled(consumer, settings.latencyEvents);
  const { latencyMs } = await consumerSamples(consumer);
  await resetConsumer(consumer);

  const burst = await publish(publisher, {
    count: settings.burstEvents,
    rate: 0,
    window: settings.burstWindow,
  });
  const done = await handled(consumer, settings.burstEvents);
  const seconds = (done.lastAt - burst.startedAt) / 1000;

  return {
    stream_ms: latencyMs,
    stream_p50_ms: [median(latencyMs)],
    stream_p99_ms: [percentile(latencyMs, 99)],
    stream_events_per_s: [settings.burstEvents / seconds],
    stream_publish_per_s: [(settings.burstEvents * 1000) / (burst.endedAt - burst.startedAt)],
  };
}
