import { afterEach, describe, expect, it } from '@jest/globals';
import { eventually } from '@shoal/testing';
import { SampleNodes } from './support/sample-nodes.js';

/**
 * The graceful stop in phases, seen from outside: readiness answers 503 at once on SIGTERM, long before the node
 * stops listening or hands its lease over; liveness stays 200 through the drain; requests in flight finish.
 */
const names = ['alpha', 'bravo'];
const DRAIN_DELAY = 1500;

interface Timeline {
  /** ms after SIGTERM of the first 503 from /health/ready. */
  first503?: number;
  /** ms after SIGTERM of the first refused connection. */
  refused?: number;
  /** ms after SIGTERM when the survivor saw another leader. */
  leaseReleased?: number;
  readyStatuses: number[];
  liveStatuses: number[];
  /** Failures other than a refused connection. */
  errors: string[];
}

/** Whether `error` (from `fetch`) is a refused connection: nothing listens any more. */
function isRefused(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code === 'ECONNREFUSED';
}

/**
 * Polls `url` every 10 ms until the connection is refused; `onStatus` gets each answer's status, `onError` every
 * other failure (a keep-alive connection closed under a request).
 */
async function pollUntilRefused(
  url: string,
  onStatus: (status: number) => void,
  stop: () => boolean,
  onError: (error: unknown) => void,
) {
  while (!stop()) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      onStatus(response.status);
    } catch (error) {
      if (isRefused(error)) return;
      onError(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('graceful shutdown in phases (sample app, HealthModule)', () => {
  let nodes: SampleNodes | undefined;

  afterEach(async () => {
    await nodes?.dispose();
    nodes = undefined;
  }, 30_000);

  it('SIGTERM: ready 503 before the socket closes and before the lease is released; live 200; in-flight requests finish', async () => {
    nodes = await SampleNodes.start({
      names,
      store: 'redis',
      env: { SHOAL_DRAIN_DELAY: String(DRAIN_DELAY), SHOAL_SHUTDOWN_GRACE: '10000' },
    });
    const { leader } = await nodes.timeUntilLeader(names, 10_000);
    const target = leader.id;
    const survivor = names.find((n) => n !== target)!;
    const base = nodes.url(target);
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);

    // Slow requests (origin loads of 2.5 s through the cache) in flight when the signal arrives.
    const slow = [0, 1, 2].map((i) =>
      fetch(`${base}/flags/inflight-${i}?loadMs=2500&singleFlight=false`, {
        signal: AbortSignal.timeout(20_000),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { name?: string } })),
    );
    await eventually(
      async () => {
        const live = (await (await fetch(`${base}/health/live`)).json()) as {
          details: { process: { requestsInFlight: number } };
        };
        return live.details.process.requestsInFlight >= 4; // the 3 slow ones and this one
      },
      { what: 'slow requests in flight' },
    );

    const timeline: Timeline = { readyStatuses: [], liveStatuses: [], errors: [] };
    const onError = (error: unknown) => timeline.errors.push(String((error as Error).cause ?? error));
    let sent = 0;
    let done = false;
    const since = () => Date.now() - sent;
    const watchers = [
      pollUntilRefused(
        `${base}/health/ready`,
        (status) => {
          if (sent === 0) return;
          timeline.readyStatuses.push(status);
          if (status === 503 && timeline.first503 === undefined) timeline.first503 = since();
        },
        () => done,
        onError,
      ).then(() => (timeline.refused ??= since())),
      pollUntilRefused(
        `${base}/health/live`,
        (status) => {
          if (sent !== 0) timeline.liveStatuses.push(status);
        },
        () => done,
        onError,
      ).then(() => (timeline.refused ??= since())),
      (async () => {
        while (!done) {
          const view = await nodes!.view(survivor);
          if (sent !== 0 && view && view.leader?.id !== target) {
            timeline.leaseReleased = since();
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      })(),
    ];
    await new Promise((resolve) => setTimeout(resolve, 50)); // the pollers are running before the signal
    sent = Date.now();
    nodes.node(target).signal('SIGTERM');

    const answers = await Promise.all(slow);
    const exit = await nodes.node(target).exited();
    await eventually(() => timeline.leaseReleased !== undefined && timeline.refused !== undefined, {
      timeoutMs: 15_000,
      what: 'lease released and socket closed',
    });
    done = true;
    await Promise.all(watchers);
    console.log(
      `shutdown: SIGTERM → ready 503 in ${timeline.first503} ms, socket closed at ${timeline.refused} ms, ` +
        `lease handed over at ${timeline.leaseReleased} ms (drain delay ${DRAIN_DELAY} ms); ` +
        `${timeline.readyStatuses.length} ready polls, ${timeline.liveStatuses.length} live polls`,
    );

    expect(timeline.errors).toEqual([]);
    expect(timeline.first503).toBeDefined();
    expect(timeline.first503!).toBeLessThan(timeline.refused!);
    expect(timeline.first503!).toBeLessThan(timeline.leaseReleased!);
    // Once 503, never ready again; liveness 200 on every answer through the drain.
    const firstBad = timeline.readyStatuses.indexOf(503);
    expect(timeline.readyStatuses.slice(firstBad).every((s) => s === 503)).toBe(true);
    expect(timeline.liveStatuses.length).toBeGreaterThan(0);
    expect(timeline.liveStatuses.every((s) => s === 200)).toBe(true);
    // The drain really held the socket open, and the lease was kept until intake stopped.
    expect(timeline.refused!).toBeGreaterThanOrEqual(DRAIN_DELAY - 100);
    expect(timeline.leaseReleased!).toBeGreaterThanOrEqual(DRAIN_DELAY - 100);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers.map((a) => a.body.name)).toEqual(['inflight-0', 'inflight-1', 'inflight-2']);
    expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
  }, 90_000);
});
