import { RedisServer } from '@shoal/testing';
import type { Scope } from '../harness/scope.js';
import { randomPrefix } from './membership-nodes.js';
import { EVENTS_APP, startEventsNode } from './events-nodes.js';
import { streamRuns, type StreamSamples, type StreamSettings } from './events-stream.js';

/**
 * Shoal's events app as a publisher process and a consumer process (one group handler, concurrency 8), on
 * `store`: `postgres` — ClusterModule with the scenario's private Postgres only, so events go through the Postgres
 * event log (a fresh schema); `redis` — a private redis-server (Redis Streams), as in the `events` scenario. The
 * same runs as the `events` scenario's turns (`streamRuns`).
 */
export function pgEventsTurn(
  store: 'postgres' | 'redis',
  round: number,
  databaseUrl: string,
  settings: StreamSettings,
  parent: Scope,
): Promise<StreamSamples> {
  return parent.child(async (scope) => {
    const redisUrl =
      store === 'redis' ? scope.track(await RedisServer.start(), (r) => r.kill()).url : 'redis://127.0.0.1:1';
    const stores = {
      redisUrl,
      prefix: randomPrefix(),
      databaseUrl: store === 'postgres' ? databaseUrl : undefined,
      store,
    };
    const [publisher, consumer] = await Promise.all([
      startEventsNode(EVENTS_APP, `${store}-r${round}-pub`, 'publisher', stores, scope),
      startEventsNode(EVENTS_APP, `${store}-r${round}-con`, 'consumer', stores, scope),
    ]);
    return streamRuns(publisher, consumer, settings);
  });
}
