import { afterEach, describe, expect, it } from '@jest/globals';
import type { EventEnvelope } from '../envelope/event-envelope.js';
import type { EventScope, TransportSubscription } from './event-transport.js';
import { MemoryEventHub } from './memory-event.hub.js';
import { MemoryEventTransport } from './memory.transport.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually, seededRandom } from '@shoal/testing';

let counter = 0;
const random = seededRandom(20_261_201);

function envelope(type: string, payload: unknown = {}): EventEnvelope {
  counter += 1;
  const id = `00000000-0000-7000-8000-${String(counter).padStart(12, '0')}`;
  return {
    id,
    type,
    version: 1,
    occurredAt: new Date().toISOString(),
    source: 'node-a',
    correlationId: id,
    headers: {},
    payload,
  };
}

/** A promise released from outside. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => undefined as void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Records what one subscription of one node received. */
class Recorder {
  readonly ids: string[] = [];
  running = 0;
  maxRunning = 0;

  constructor(private readonly handle: (envelope: EventEnvelope) => Promise<void> = async () => undefined) {}

  subscription(name: string, type: string, scope: EventScope, concurrency = 1): TransportSubscription {
    return {
      name,
      type,
      scope,
      concurrency,
      deliver: async (received) => {
        this.running += 1;
        this.maxRunning = Math.max(this.maxRunning, this.running);
        try {
          await this.handle(received);
          this.ids.push(received.id);
        } finally {
          this.running -= 1;
        }
      },
    };
  }
}

describe('MemoryEventTransport', () => {
  const transports: MemoryEventTransport[] = [];
  const node = (hub: MemoryEventHub) => {
    const transport = new MemoryEventTransport(hub);
    transports.push(transport);
    return transport;
  };

  afterEach(async () => {
    await Promise.all(transports.splice(0).map((transport) => transport.close()));
  });

  it('delivers each group envelope to exactly one node, spread over the nodes', async () => {
    const hub = new MemoryEventHub();
    const nodes = [node(hub), node(hub), node(hub)];
    const recorders = nodes.map(() => new Recorder(() => sleep(random.between(0, 2))));
    await Promise.all(
      nodes.map((transport, i) =>
        transport.subscribe(recorders[i].subscription('H.on', 'order.placed', 'group', 4)),
      ),
    );
    const published = Array.from({ length: 300 }, () => envelope('order.placed'));
    await nodes[0].publish(published);

    const all = () => recorders.flatMap((recorder) => recorder.ids);
    await eventually(() => all().length >= 300 && hub.idle, { what: 'all delivered, nothing more to come' });
    expect(all().sort()).toEqual(published.map((e) => e.id).sort());
    for (const recorder of recorders) {
      expect(recorder.ids.length).toBeGreaterThan(0);
      expect(recorder.maxRunning).toBeLessThanOrEqual(4);
    }
  });

  it('gives every group its own copy of the stream', async () => {
    const hub = new MemoryEventHub();
    const [a, b] = [node(hub), node(hub)];
    const first = new Recorder();
    const second = new Recorder();
    await a.subscribe(first.subscription('First.on', 't', 'group', 2));
    await b.subscribe(second.subscription('Second.on', 't', 'group', 2));
    const published = [envelope('t'), envelope('t'), envelope('t')];
    await a.publish(published);
    await eventually(() => first.ids.length === 3 && second.ids.length === 3, { what: 'both groups' });
    const ids = published.map((e) => e.id).sort();
    expect(first.ids.sort()).toEqual(ids);
    expect(second.ids.sort()).toEqual(ids);
  });

  it('broadcasts to every node, in order with concurrency 1', async () => {
    const hub = new MemoryEventHub();
    const nodes = [node(hub), node(hub), node(hub)];
    const recorders = nodes.map(() => new Recorder(() => sleep(random.between(0, 3))));
    await Promise.all(
      nodes.map((transport, i) =>
        transport.subscribe(recorders[i].subscription('B.on', 'cache.evict', 'broadcast')),
      ),
    );
    const published = Array.from({ length: 40 }, () => envelope('cache.evict'));
    await nodes[1].publish(published.slice(0, 20));
    await nodes[2].publish(published.slice(20));

    await eventually(() => recorders.every((recorder) => recorder.ids.length >= 40) && hub.idle, {
      what: 'broadcast everywhere, nothing more to come',
    });
    for (const recorder of recorders) {
      expect(recorder.ids).toEqual(published.map((e) => e.id));
      expect(recorder.maxRunning).toBe(1);
    }
  });

  it('keeps publish order across the group with concurrency 1', async () => {
    const hub = new MemoryEventHub();
    const nodes = [node(hub), node(hub)];
    const received: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const subscription: TransportSubscription = {
      name: 'Ordered.on',
      type: 'account.changed',
      scope: 'group',
      concurrency: 1,
      deliver: async (e) => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await sleep(random.between(0, 2));
        received.push(e.id);
        running -= 1;
      },
    };
    await Promise.all(nodes.map((transport) => transport.subscribe(subscription)));
    const published = Array.from({ length: 50 }, () => envelope('account.changed'));
    for (let i = 0; i < 50; i += 10) await nodes[i % 2].publish(published.slice(i, i + 10));

    await eventually(() => received.length >= 50, { what: 'ordered deliveries' });
    expect(received).toEqual(published.map((e) => e.id));
    expect(maxRunning).toBe(1);
  });

  it('runs at most `concurrency` deliveries of a subscription at once (3 of 10 queued)', async () => {
    const hub = new MemoryEventHub();
    const transport = node(hub);
    const release = gate();
    const recorder = new Recorder(() => release.promise);
    await transport.subscribe(recorder.subscription('Slow.on', 't', 'group', 3));
    await transport.publish(Array.from({ length: 10 }, () => envelope('t')));
    await eventually(() => recorder.running === 3, { what: 'three running' });
    release.open();
    await eventually(() => recorder.ids.length === 10, { what: 'all handled' });
    expect(recorder.maxRunning).toBe(3);
  });

  it('never delivers inside publish', async () => {
    const hub = new MemoryEventHub();
    const transport = node(hub);
    const recorder = new Recorder();
    let delivered = 0;
    await transport.subscribe({
      ...recorder.subscription('Sync.on', 't', 'broadcast'),
      deliver: async () => {
        delivered += 1;
      },
    });
    await transport.subscribe({
      ...recorder.subscription('SyncGroup.on', 't', 'group'),
      deliver: async () => {
        delivered += 1;
      },
    });
    void transport.publish([envelope('t')]);
    expect(delivered).toBe(0);
    await eventually(() => delivered === 2, { what: 'delivered later' });
  });

  it('delivers again after a rejection, keeping order with concurrency 1', async () => {
    const hub = new MemoryEventHub({ redeliveryDelayMs: 10 });
    const [a, b] = [node(hub), node(hub)];
    const published = Array.from({ length: 5 }, () => envelope('t'));
    const attempts = new Map<string, number>();
    const handled: string[] = [];
    const subscription: TransportSubscription = {
      name: 'Flaky.on',
      type: 't',
      scope: 'group',
      concurrency: 1,
      deliver: async (e) => {
        const attempt = (attempts.get(e.id) ?? 0) + 1;
        attempts.set(e.id, attempt);
        if (e.id === published[1].id && attempt < 3) throw new Error('not yet');
        handled.push(e.id);
      },
    };
    await a.subscribe(subscription);
    await b.subscribe(subscription);
    await a.publish(published);

    await eventually(() => handled.length === 5, { what: 'all handled' });
    expect(handled).toEqual(published.map((e) => e.id));
    expect(attempts.get(published[1].id)).toBe(3);
    expect(attempts.get(published[0].id)).toBe(1);
  });

  it('redelivers rejected broadcast and unordered group envelopes', async () => {
    const hub = new MemoryEventHub({ redeliveryDelayMs: 10 });
    const transport = node(hub);
    const rejected = new Set<string>();
    const handled: string[] = [];
    const flaky = async (e: EventEnvelope) => {
      if (!rejected.has(e.id)) {
        rejected.add(e.id);
        throw new Error('first attempt fails');
      }
      handled.push(e.id);
    };
    await transport.subscribe({
      name: 'B.on',
      type: 'b',
      scope: 'broadcast',
      concurrency: 1,
      deliver: flaky,
    });
    await transport.subscribe({ name: 'G.on', type: 'g', scope: 'group', concurrency: 4, deliver: flaky });
    const published = [envelope('b'), envelope('g'), envelope('g'), envelope('b')];
    await transport.publish(published);
    await eventually(() => handled.length === 4, { what: 'redelivered' });
    expect(handled.filter((id) => id === published[0].id || id === published[3].id)).toEqual([
      published[0].id,
      published[3].id,
    ]);
  });

  it('keeps group envelopes published before anyone subscribed, up to the bound; broadcast starts now', async () => {
    const hub = new MemoryEventHub({ maxRetainedPerType: 5 });
    const transport = node(hub);
    const published = Array.from({ length: 8 }, () => envelope('early'));
    await transport.publish(published);

    const group = new Recorder();
    const broadcast = new Recorder();
    await transport.subscribe(group.subscription('Late.on', 'early', 'group'));
    await transport.subscribe(broadcast.subscription('LateB.on', 'early', 'broadcast'));
    await eventually(() => group.ids.length === 5, { what: 'retained delivered' });
    expect(group.ids).toEqual(published.slice(3).map((e) => e.id));

    const later = envelope('early');
    await transport.publish([later]);
    await eventually(() => broadcast.ids.length === 1 && group.ids.length === 6, {
      what: 'new one delivered',
    });
    expect(broadcast.ids).toEqual([later.id]);
  });

  it('lets a node joining an existing group continue where the group is: it shares new envelopes, never the handled ones', async () => {
    const hub = new MemoryEventHub();
    const [a, b] = [node(hub), node(hub)];
    const first = new Recorder();
    await a.subscribe(first.subscription('G.on', 't', 'group'));
    const before = [envelope('t'), envelope('t')];
    await a.publish(before);
    await eventually(() => first.ids.length === 2, { what: 'first two' });

    const second = new Recorder();
    await b.subscribe(second.subscription('G.on', 't', 'group'));
    const after = [envelope('t'), envelope('t'), envelope('t'), envelope('t')];
    await a.publish(after);
    await eventually(() => first.ids.length + second.ids.length === 6 && hub.idle, { what: 'the rest' });
    expect([...first.ids, ...second.ids].sort()).toEqual([...before, ...after].map((e) => e.id).sort());
    expect(second.ids.length).toBeGreaterThan(0);
    expect(after.map((e) => e.id)).toEqual(expect.arrayContaining(second.ids));
  });

  it('gives each delivery its own copy and rejects a payload that is not JSON', async () => {
    const hub = new MemoryEventHub();
    const [a, b] = [node(hub), node(hub)];
    const seen: unknown[] = [];
    const mutate = async (e: EventEnvelope) => {
      seen.push(structuredClone(e.payload));
      (e.payload as { n: number }).n += 1;
    };
    await a.subscribe({ name: 'M.on', type: 'm', scope: 'broadcast', concurrency: 1, deliver: mutate });
    await b.subscribe({ name: 'M.on', type: 'm', scope: 'broadcast', concurrency: 1, deliver: mutate });
    const original = envelope('m', { n: 1 });
    await a.publish([original]);
    await eventually(() => seen.length === 2, { what: 'both copies' });
    expect(seen).toEqual([{ n: 1 }, { n: 1 }]);
    expect(original.payload).toEqual({ n: 1 });

    await expect(a.publish([envelope('m', { big: 1n })])).rejects.toThrow(TypeError);
  });

  describe('stop', () => {
    it('waits for running deliveries and leaves queued group envelopes to the others', async () => {
      const hub = new MemoryEventHub();
      const [a, b] = [node(hub), node(hub)];
      const release = gate();
      let finished = false;
      const first = new Recorder(async () => {
        await release.promise;
        finished = true;
      });
      await a.subscribe(first.subscription('G.on', 't', 'group'));
      const published = Array.from({ length: 5 }, () => envelope('t'));
      await a.publish(published);
      await eventually(() => first.running === 1, { what: 'one running' });

      setTimeout(release.open, 50);
      await a.stop(5000);
      expect(finished).toBe(true); // stop waited for the running delivery
      expect(first.ids).toEqual([published[0].id]);
      await expect(a.subscribe(first.subscription('Other.on', 't', 'group'))).rejects.toThrow(/stopped/);

      await a.publish([envelope('t')]);
      const second = new Recorder();
      await b.subscribe(second.subscription('G.on', 't', 'group'));
      await eventually(() => second.ids.length === 5, { what: 'the rest on b' });
      expect(second.ids.slice(0, 4)).toEqual(published.slice(1).map((e) => e.id));
    });

    it('returns after the grace period when a delivery does not finish', async () => {
      const hub = new MemoryEventHub();
      const transport = node(hub);
      const never = gate();
      const recorder = new Recorder(() => never.promise);
      await transport.subscribe(recorder.subscription('Stuck.on', 't', 'broadcast'));
      await transport.publish([envelope('t'), envelope('t')]);
      await eventually(() => recorder.running === 1, { what: 'running' });
      await transport.stop(50); // returns although the delivery never finishes (else this test times out)
      expect(recorder.running).toBe(1);
      never.open();
      await eventually(() => recorder.running === 0 && hub.idle, { what: 'the stuck delivery finished' });
      expect(recorder.ids.length).toBe(1); // the queued broadcast envelope was dropped
    });

    it('hands a delivery that rejects after stop back to its group', async () => {
      const hub = new MemoryEventHub({ redeliveryDelayMs: 5 });
      const [a, b] = [node(hub), node(hub)];
      const release = gate();
      let started = false;
      await a.subscribe({
        name: 'G.on',
        type: 't',
        scope: 'group',
        concurrency: 1,
        deliver: async () => {
          started = true;
          await release.promise;
          throw new Error('shutting down');
        },
      });
      const published = envelope('t');
      await a.publish([published]);
      await eventually(() => started, { what: 'the delivery started' });
      const stopping = a.stop(1000);
      const second = new Recorder();
      await b.subscribe(second.subscription('G.on', 't', 'group'));
      release.open();
      await stopping;
      await eventually(() => second.ids.length === 1, { what: 'redelivered on b' });
      expect(second.ids).toEqual([published.id]);
    });
  });
});
