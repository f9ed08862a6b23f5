import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SampleNodes } from './support/sample-nodes.js';

/**
 * Three real processes of the sample app per store. Bounds here are the documented guarantees with the default
 * heartbeat (500 ms) and failure timeout (2,000 ms); `npm run bench` measures the actual figures.
 */
describe.each(['redis', 'postgres'] as const)('membership of 3 sample processes on the %s store', (store) => {
  const names = ['alpha', 'bravo', 'charlie'];
  let nodes: SampleNodes;
  let startedAt: number;

  beforeAll(async () => {
    nodes = await SampleNodes.start({ names, store });
    startedAt = Date.now();
  }, 60_000);

  afterAll(async () => {
    await nodes?.dispose();
  }, 30_000);

  it('every node sees all three members within 1 s of start', async () => {
    const took = await nodes.timeUntilAllSee(names, names, 1000, startedAt);
    expect(took).toBeLessThanOrEqual(1000);
    const view = await nodes.view('alpha');
    expect(view?.self.id).toBe('alpha');
    expect(names).toContain(view?.leader?.id ?? 'none yet');
    expect(view?.members.every((m) => !Number.isNaN(Date.parse(m.startedAt)))).toBe(true);
  });

  it('a SIGTERMed node is seen leaving within 250 ms', async () => {
    const sent = Date.now();
    nodes.node('charlie').signal('SIGTERM');
    const took = await nodes.timeUntilAllSee(['alpha', 'bravo'], ['alpha', 'bravo'], 250, sent);
    expect(took).toBeLessThanOrEqual(250);
    // Nest re-raises the signal after its shutdown hooks ran: a graceful exit shows as the signal itself.
    const exit = await nodes.node('charlie').exited();
    expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
    expect(nodes.node('charlie').output()).toMatch(/node charlie left the cluster/);
    const events = (await nodes.view('alpha'))?.events ?? [];
    expect(events.some((e) => e.type === 'left' && e.id === 'charlie')).toBe(true);
  });

  it('a restarted node rejoins and is seen within 1 s', async () => {
    await nodes.node('charlie').start();
    const took = await nodes.timeUntilAllSee(names, names, 1000);
    expect(took).toBeLessThanOrEqual(1000);
  }, 30_000);

  it('a SIGKILLed node is removed within failureTimeout + one heartbeat (3 s)', async () => {
    const sent = Date.now();
    await nodes.node('bravo').kill();
    const took = await nodes.timeUntilAllSee(['alpha', 'charlie'], ['alpha', 'charlie'], 3000, sent);
    expect(took).toBeLessThanOrEqual(3000);
    // ... and not before the failure timeout: a live node is never dropped early.
    expect(took).toBeGreaterThanOrEqual(1500);
  });

  it('the killed node rejoins after a restart with the same id', async () => {
    await nodes.node('bravo').start();
    await nodes.timeUntilAllSee(names, names, 1000);
  }, 30_000);
});
