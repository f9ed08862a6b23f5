import { afterEach, describe, expect, it } from '@jest/globals';
import { eventually } from '@shoal/testing';
import { get } from 'node:http';
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
  /** Failures other than a refused connection, with the ms after SIGTERM they happened at. */
  errors: { at: number; error: string }[];
}

/** One GET on a new connection (no pooled keep-alive connection to be closed under it); resolves the status. */
function getStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = get(url, { agent: false, timeout: 2000 }, (response) => {
      response.resume();
      response.once('end', () => resolve(response.statusCode ?? 0));
    });
    request.once('timeout', () => request.destroy(new Error(`GET ${url} timed out`)));
    request.once('error', reject);
  });
}

/**
 * Polls `url` every 10 ms until the connection is refused; `onStatus` gets each answer's status, `onError` every
 * other failure.
 */
async function pollUntilRefused(
  url: string,
  onStatus: (status: number) => void,
  stop: () => boolean,
  onError: (error: unknown) => void,
) {
  while (!stop()) {
    try {
      onStatus(await getStatus(url));
    } catch (error) {
      if ((error as { code?: string }).code === 'ECONNREFUSED') return;
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
      readyTimeoutMs: 60_000,
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
    const onError = (error: unknown) => timeline.errors.push({ at: since(), error: String(error) });
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

    // No failure while draining. A connection opened in the very instant the listener closes can be reset rather
    // than refused (Node closes idle sockets with the listener); a load balancer has stopped routing long before.
    expect(timeline.errors.filter((e) => e.at < timeline.refused! - 100)).toEqual([]);
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

  it('every replica serves /health (one key per indicator), /metrics, and an order placed with x-request-id is handled under it', async () => {
    nodes = await SampleNodes.start({ names, store: 'redis', readyTimeoutMs: 60_000 });
    await nodes.timeUntilLeader(names, 10_000);
    for (const name of names) {
      const detail = await eventually(async () => {
        const response = await fetch(`${nodes!.url(name)}/health`);
        return response.status === 200
          ? ((await response.json()) as { info: Record<string, unknown> })
          : undefined;
      });
      expect(Object.keys(detail.info).sort()).toEqual(
        ['cache', 'eventLoop', 'leader', 'membership', 'outbox', 'postgres', 'queues', 'redis'].sort(),
      );
      expect((await fetch(`${nodes.url(name)}/health/ready`)).status).toBe(200);
      expect((await fetch(`${nodes.url(name)}/health/live`)).status).toBe(200);
      const metrics = await (await fetch(`${nodes.url(name)}/metrics`)).text();
      for (const metric of [
        'shoal_cluster_members',
        'shoal_leader_is_leader',
        'shoal_events_published_total',
        'shoal_outbox_lag_seconds',
        'shoal_jobs_waiting',
      ]) {
        expect({ name, metric, listed: metrics.includes(`# TYPE ${metric} `) }).toEqual({
          name,
          metric,
          listed: true,
        });
      }
    }

    const placed = await fetch(`${nodes.url('alpha')}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'abc' },
      body: JSON.stringify({ userId: 'correlated', total: 5 }),
    });
    expect(placed.status).toBe(201);
    expect(placed.headers.get('x-request-id')).toBe('abc');
    const { order } = (await placed.json()) as { order: { id: string } };
    const handled = await eventually(
      async () => {
        const view = await nodes!.request<{ handledBy: string | null; correlationId: string | null }>(
          'bravo',
          `/orders/${order.id}`,
        );
        return view.handledBy ? view : undefined;
      },
      { what: 'the order handled' },
    );
    expect(handled.correlationId).toBe('abc');
  }, 60_000);
});
