import { afterEach, describe, expect, it } from '@jest/globals';
import { Controller, type INestApplication } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { ClusterService } from '@shoal/cluster';
import { rendezvousOwner } from '@shoal/cluster/internal';
import { eventually, seededRandom } from '@shoal/testing';
import { firstValueFrom } from 'rxjs';
import { setImmediate as yieldTurn } from 'node:timers/promises';
import { ShoalClient } from '../client/shoal-client.js';
import { startNode, testPrefix } from '../messaging-nodes.fixture-spec.js';
import { HandlerRegistry } from '../registry/handler-registry.js';
import { ShoalRecordBuilder } from '../routing/shoal-record.builder.js';
import type { ShoalContext } from '../server/shoal-context.js';
import { shardLeaseName, shardOf } from './shard-of.js';
import { ShardHost } from './shard-host.js';
import { ShardStreams } from './shard-streams.js';
import { MessagingBus } from '../bus/messaging-bus.js';

/** Everything the entity handlers of all in-process nodes did, in the order they did it. */
const journal: { node: string; key: string; n: number; phase: 'start' | 'end'; token: number }[] = [];
/** Keys whose handler blocks on the given message number until released. */
const blocks = new Map<string, { node: string; n: number; release: Promise<void> }>();

@Controller()
class CounterEntity {
  constructor(private readonly cluster: ClusterService) {}

  @MessagePattern('counter.get')
  get(@Payload() body: { n: number }, @Ctx() ctx: ShoalContext): Promise<{ node: string; token: number }> {
    return this.add(body, ctx);
  }

  @EventPattern<string>('counter.add')
  async add(
    @Payload() body: { n: number },
    @Ctx() ctx: ShoalContext,
  ): Promise<{ node: string; token: number }> {
    const { key } = ctx.getEntity()!;
    const node = this.cluster.self.id;
    const token = ctx.getFencingToken();
    journal.push({ node, key, n: body.n, phase: 'start', token });
    const block = blocks.get(key);
    if (block?.n === body.n && block.node === node) await block.release;
    const random = seededRandom(body.n);
    for (let i = Math.floor(random.next() * 5); i > 0; i -= 1) await yieldTurn();
    journal.push({ node, key, n: body.n, phase: 'end', token });
    return { node, token };
  }
}

const SHARDS = 32;
const entity = (key: string, n: number) => new ShoalRecordBuilder({ n }).toEntity('counter', key).build();

describe('sharded entities', () => {
  const apps: INestApplication[] = [];
  afterEach(async () => {
    await Promise.allSettled(apps.splice(0).map((app) => app.close()));
    journal.length = 0;
    blocks.clear();
  });

  async function node(prefix: string, id: string, shards = SHARDS): Promise<INestApplication> {
    const app = await startNode({ id, prefix, controllers: [CounterEntity], messaging: { shards } });
    apps.push(app);
    return app;
  }

  /** Waits until every shard runs on its rendezvous owner among `live`, and returns shard → owner. */
  async function settled(live: INestApplication[], shards: number): Promise<Map<number, string>> {
    const ids = live.map((app) => app.get(ClusterService).self.id);
    return eventually(
      () => {
        const owners = new Map<number, string>();
        for (const app of live) {
          if (app.get(HandlerRegistry).hosts().length !== ids.length) return undefined;
          for (const shard of app.get(ShardHost).owned()) owners.set(shard, app.get(ClusterService).self.id);
        }
        if (owners.size !== shards) return undefined;
        for (const [shard, owner] of owners) {
          if (rendezvousOwner(shardLeaseName(shard), ids) !== owner) return undefined;
        }
        return owners;
      },
      { timeoutMs: 15_000, what: 'every shard on its owner' },
    );
  }

  it('runs each key strictly serially, in arrival order, on its shard owner with a fencing token', async () => {
    const prefix = testPrefix();
    const nodes = await Promise.all(['alpha', 'bravo', 'charlie'].map((id) => node(prefix, id)));
    const owners = await settled(nodes, SHARDS);
    const keys = Array.from({ length: 12 }, (_, i) => `k${i}`);
    const perKey = 15;
    // Every node sends to every key concurrently; each sender's messages to a key are appended in order.
    await Promise.all(
      nodes.map(async (app, sender) => {
        const client = app.get(ShoalClient);
        await Promise.all(
          keys.map(async (key) => {
            for (let i = 0; i < perKey; i += 1) {
              await firstValueFrom(client.emit('counter.add', entity(key, sender * 1000 + i)), {
                defaultValue: undefined,
              });
            }
          }),
        );
      }),
    );
    await eventually(() => journal.filter((e) => e.phase === 'end').length === keys.length * perKey * 3, {
      timeoutMs: 20_000,
      what: 'every message handled',
    });
    for (const key of keys) {
      const events = journal.filter((e) => e.key === key);
      // Strictly serial: start, end, start, end… each end closing the message just started.
      events.forEach((event, i) => {
        expect(event.phase).toBe(i % 2 === 0 ? 'start' : 'end');
        if (i % 2 === 1) expect(event.n).toBe(events[i - 1].n);
      });
      // On the shard's owner only, and each sender's messages in the order it sent them.
      const owner = owners.get(shardOf('counter', key, SHARDS));
      expect(new Set(events.map((e) => e.node))).toEqual(new Set([owner]));
      for (let sender = 0; sender < 3; sender += 1) {
        const order = events
          .filter((e) => e.phase === 'end' && Math.floor(e.n / 1000) === sender)
          .map((e) => e.n);
        expect(order).toEqual(Array.from({ length: perKey }, (_, i) => sender * 1000 + i));
      }
      expect(events.every((e) => e.token > 0)).toBe(true);
    }
    // A request to an entity answers from its owner.
    const answer = await firstValueFrom(nodes[0].get(ShoalClient).send('counter.get', entity('k0', 99)));
    expect(answer).toMatchObject({ node: owners.get(shardOf('counter', 'k0', SHARDS)) });
  });

  it('moves about 1/N of the shards when a node joins, all of them to the newcomer', async () => {
    const prefix = testPrefix();
    const shards = 256;
    const first = await Promise.all(['n1', 'n2', 'n3'].map((id) => node(prefix, id, shards)));
    const before = await settled(first, shards);
    const fourth = await node(prefix, 'n4', shards);
    const after = await settled([...first, fourth], shards);
    const moved = [...after].filter(([shard, owner]) => before.get(shard) !== owner);
    console.log(
      `shards moved on a join from 3 to 4 nodes: ${moved.length} of ${shards} (1/N = ${shards / 4})`,
    );
    expect(moved.every(([, owner]) => owner === 'n4')).toBe(true);
    expect(moved.length).toBeGreaterThan(shards / 4 / 2);
    expect(moved.length).toBeLessThan((shards / 4) * 1.5);
  });

  it('resumes a moved shard right after its last acknowledged message; the old owner can no longer acknowledge', async () => {
    const prefix = testPrefix();
    const [alpha, bravo] = await Promise.all([node(prefix, 'alpha'), node(prefix, 'bravo')]);
    const owners = await settled([alpha, bravo], SHARDS);
    const key = Array.from({ length: 100 }, (_, i) => `acct-${i}`).find(
      (k) => owners.get(shardOf('counter', k, SHARDS)) === 'alpha',
    )!;
    const shard = shardOf('counter', key, SHARDS);
    let release!: () => void;
    blocks.set(key, { node: 'alpha', n: 3, release: new Promise<void>((resolve) => (release = resolve)) });
    const client = bravo.get(ShoalClient);
    for (let n = 1; n <= 5; n += 1) {
      await firstValueFrom(client.emit('counter.add', entity(key, n)), { defaultValue: undefined });
    }
    await eventually(() => journal.some((e) => e.n === 3 && e.phase === 'start'), {
      what: 'message 3 running',
    });
    const acknowledged = await alpha.get(ShardHost).acknowledged(shard);

    // alpha stops while message 3 runs: it hands the shard over after the grace period, without acknowledging 3.
    await alpha.close();
    await eventually(() => journal.filter((e) => e.node === 'bravo' && e.phase === 'end').length === 3, {
      timeoutMs: 15_000,
      what: 'bravo handled the rest',
    });
    release();
    const byNode = (node: string) =>
      journal.filter((e) => e.node === node && e.phase === 'start').map((e) => e.n);
    expect(byNode('alpha')).toEqual([1, 2, 3]);
    expect(byNode('bravo')).toEqual([3, 4, 5]);
    const tokens = (node: string) => new Set(journal.filter((e) => e.node === node).map((e) => e.token));
    expect(Math.min(...tokens('bravo'))).toBeGreaterThan(Math.max(...tokens('alpha')));
    // The position alpha acknowledged is where bravo resumed; bravo then acknowledged past it.
    const resumedFrom = await eventually(
      async () => {
        const position = await bravo.get(ShardHost).acknowledged(shard);
        return position !== acknowledged && position;
      },
      { what: 'bravo acknowledged' },
    );
    // A late acknowledgement under alpha's token is refused.
    const bus = bravo.get(MessagingBus);
    const streams = new ShardStreams(bus.commands, bus.keys, 100);
    await expect(streams.ack(shard, Math.max(...tokens('alpha')), acknowledged)).resolves.toBe(false);
    await expect(bravo.get(ShardHost).acknowledged(shard)).resolves.toBe(resumedFrom);
  });
});
