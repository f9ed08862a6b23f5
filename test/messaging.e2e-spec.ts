import { afterEach, describe, expect, it } from '@jest/globals';
import { eventually, seededRandom } from '@shoal/testing';
import type {
  AccountLogRow as LogRow,
  DepositResult as Deposit,
} from '../apps/sample/src/accounts/deposit.schema.js';
import { DepositLoad } from './support/deposit-load.js';
import { SampleNodes } from './support/sample-nodes.js';

/**
 * Accounts as sharded entities across real processes of the sample app (defaults: failure timeout 2 s, lease TTL
 * 3 s, 256 shards): deposits through every replica while one is SIGKILLed and another joins; a paused owner's late
 * write refused by the shard's fencing token.
 */
interface Shards {
  shards: number;
  owners: Record<string, number>;
}
interface Stats {
  running: number;
  applied: number;
  duplicates: number;
  refused: number;
}

const accounts = Array.from({ length: 20 }, (_, i) => `acct-${i}`);

/** Waits until the shard leases are spread over exactly `nodes`, all shards held. */
async function shardsSettle(nodes: SampleNodes, observer: string, expected: string[]): Promise<Shards> {
  return eventually(
    async () => {
      const view = await nodes.request<Shards>(observer, '/cluster/shards', 'GET', 5000);
      const held = Object.values(view.owners).reduce((a, b) => a + b, 0);
      const owners = Object.keys(view.owners).sort();
      return held === view.shards && owners.join() === [...expected].sort().join() ? view : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200, what: `shards held by ${expected.join(', ')}` },
  );
}

describe('sharded accounts across sample processes', () => {
  let nodes: SampleNodes | undefined;

  afterEach(async () => {
    await nodes?.dispose();
    nodes = undefined;
  }, 60_000);

  it('applies every accepted deposit exactly once, in order, never on two nodes at once, through a SIGKILL and a join', async () => {
    nodes = await SampleNodes.start({
      names: ['alpha', 'bravo', 'charlie'],
      store: 'redis',
      readyTimeoutMs: 60_000,
    });
    const cluster = nodes;
    await shardsSettle(cluster, 'alpha', ['alpha', 'bravo', 'charlie']);
    const random = seededRandom();
    console.log(`messaging e2e seed ${random.seed} (SHOAL_TEST_SEED replays it)`);

    const load = new DepositLoad(cluster, ['alpha', 'bravo', 'charlie'], accounts, random);

    await eventually(() => load.count >= 150, { timeoutMs: 30_000, what: '150 deposits before the kill' });
    load.entries.splice(load.entries.indexOf('charlie'), 1);
    const killedAt = Date.now();
    await cluster.node('charlie').kill();
    await shardsSettle(cluster, 'alpha', ['alpha', 'bravo']);
    console.log(`messaging: shards of the SIGKILLed node taken over after ${Date.now() - killedAt} ms`);

    const before = load.count;
    await eventually(() => load.count >= before + 150, {
      timeoutMs: 60_000,
      what: '150 deposits after the kill',
    });
    await cluster.spawn('delta');
    load.entries.push('delta');
    const after = await shardsSettle(cluster, 'alpha', ['alpha', 'bravo', 'delta']);
    console.log(`messaging: after delta joined: ${JSON.stringify(after.owners)}`);
    expect(after.owners.delta).toBeGreaterThan(after.shards / 3 / 2);

    const joined = load.count;
    await eventually(() => load.count >= joined + 150, {
      timeoutMs: 60_000,
      what: '150 deposits after the join',
    });
    await load.stop();
    console.log(
      `messaging: ${load.count} deposits accepted, ${load.failures} with an unknown outcome (in flight to the killed node)`,
    );

    // Exactly once and in order: no deposit twice, every accepted one present, nothing never sent, seq 1, 2, 3…
    // without gaps, balances that add up, and no two deposits of one account at once on two nodes.
    expect(await load.audit('alpha')).toEqual({
      duplicates: 0,
      missing: 0,
      foreign: 0,
      broken: [],
      overlaps: 0,
    });
  }, 240_000);

  it('refuses the late write of an owner paused past its lease (fencing token)', async () => {
    nodes = await SampleNodes.start({
      names: ['alpha', 'bravo', 'charlie'],
      store: 'redis',
      readyTimeoutMs: 60_000,
    });
    const cluster = nodes;
    await shardsSettle(cluster, 'alpha', ['alpha', 'bravo', 'charlie']);
    let account = '';
    for (let i = 0; !account; i += 1) {
      const view = await cluster.request<{ owner: string }>('alpha', `/accounts/paused-${i}`);
      if (view.owner === 'bravo') account = `paused-${i}`;
    }

    // bravo starts the deposit and holds it 2 s before writing; it is frozen meanwhile, past its lease.
    const deposit = cluster.request<Deposit>('alpha', `/accounts/${account}/deposit`, 'POST', 60_000, {
      amount: 7,
      delayMs: 2000,
    });
    await eventually(async () => (await cluster.request<Stats>('bravo', '/accounts/stats')).running === 1, {
      what: 'the deposit running on bravo',
    });
    cluster.node('bravo').pause();
    const pausedAt = Date.now();
    const result = await deposit;
    console.log(
      `messaging: deposit redelivered and answered by ${result.handledBy} ${Date.now() - pausedAt} ms after the pause`,
    );
    expect(result.handledBy).not.toBe('bravo');
    expect(result).toMatchObject({ id: account, balance: 7, seq: 1 });

    cluster.node('bravo').resume();
    const stats = await eventually(
      async () => {
        const s = await cluster.request<Stats>('bravo', '/accounts/stats');
        return s.running === 0 ? s : undefined;
      },
      { timeoutMs: 15_000, what: 'bravo finished its late write' },
    );
    expect(stats).toMatchObject({ refused: 1, applied: 0 });
    const log = await cluster.request<LogRow[]>('alpha', `/accounts/${account}/log`);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ amount: 7, node: result.handledBy });
  }, 120_000);
});
