import { RedisServer } from '@shoal/testing';
import {
  runInterleaved,
  type Contestant,
  type InterleavedSamples,
  type MetricSamples,
} from './interleave.js';
import type { ScenarioContext } from './scenario.js';

/** A turn's samples of `metric`, each with `decimals`, space-separated (for progress lines). */
export type ShowSamples = (metric: string, decimals?: number) => string;

/**
 * Starts a private redis-server for the scenario, then runs `rounds` interleaved rounds of `turn(contestant, url)`,
 * logging one progress line per turn (`describe`).
 */
export async function roundsOnPrivateRedis(
  { quick, scope, log }: ScenarioContext,
  rounds: number,
  turn: (contestant: Contestant, redisUrl: string) => Promise<MetricSamples>,
  describe: (show: ShowSamples, contestant: Contestant) => string,
): Promise<InterleavedSamples> {
  log('starting a private Redis');
  const redis = scope.track(await RedisServer.start(), (r) => r.kill());
  return runInterleaved({
    rounds,
    smoke: quick,
    signal: scope.signal,
    turn: { shoal: () => turn('shoal', redis.url), raw: () => turn('raw', redis.url) },
    onTurn: (t) => {
      const show: ShowSamples = (metric, d = 0) =>
        (t.samples[metric] ?? []).map((x) => x.toFixed(d)).join(' ');
      log(`round ${t.round}/${rounds} ${t.contestant.padEnd(5)}: ${describe(show, t.contestant)}`);
    },
  });
}
