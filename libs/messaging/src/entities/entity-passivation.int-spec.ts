import { afterEach, describe, expect, it } from '@jest/globals';
import { Controller, type INestApplication } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { eventually } from '@shoal/testing';
import { firstValueFrom } from 'rxjs';
import { ShoalClient } from '../client/shoal-client.js';
import { startNode, testPrefix } from '../messaging-nodes.fixture-spec.js';
import { ShoalRecordBuilder } from '../routing/shoal-record.builder.js';
import type { ShoalContext } from '../server/shoal-context.js';
import { EntityLifecycle } from './entity-lifecycle.js';

/** The app's entity state: loaded on an entity's first message, dropped when it is passivated. */
const loaded = new Map<string, number>();
const loads: string[] = [];

@Controller()
class WalletEntity {
  constructor(lifecycle: EntityLifecycle) {
    lifecycle.onPassivate('wallet', (key) => void loaded.delete(key));
  }

  @MessagePattern('wallet.add')
  add(@Payload() body: { amount: number }, @Ctx() ctx: ShoalContext): { balance: number; first: boolean } {
    const { key, firstMessage } = ctx.getEntity()!;
    if (firstMessage) {
      loads.push(key);
      loaded.set(key, 0); // a real app reads its store here
    }
    const balance = (loaded.get(key) ?? Number.NaN) + body.amount;
    loaded.set(key, balance);
    return { balance, first: firstMessage };
  }
}

describe('entity passivation', () => {
  const apps: INestApplication[] = [];
  afterEach(async () => {
    await Promise.allSettled(apps.splice(0).map((app) => app.close()));
    loaded.clear();
    loads.length = 0;
  });

  it('drops an idle entity through the hook and loads it again on its next message', async () => {
    const app = await startNode({
      id: 'solo',
      prefix: testPrefix(),
      controllers: [WalletEntity],
      messaging: { shards: 8, entities: { wallet: { passivateAfterMs: 3_600_000 } } },
    });
    apps.push(app);
    const client = app.get(ShoalClient);
    const lifecycle = app.get(EntityLifecycle);
    const add = (key: string, amount: number) =>
      firstValueFrom(
        client.send<{ balance: number; first: boolean }>(
          'wallet.add',
          new ShoalRecordBuilder({ amount }).toEntity('wallet', key).setTimeout(15_000).build(),
        ),
      );
    // The shards are acquired after start: the first send waits in its stream until then.
    await expect(add('w1', 5)).resolves.toEqual({ balance: 5, first: true });
    await expect(add('w1', 2)).resolves.toEqual({ balance: 7, first: false });
    await expect(add('w2', 1)).resolves.toEqual({ balance: 1, first: true });
    expect(lifecycle.activeKeys('wallet').sort()).toEqual(['w1', 'w2']);

    // Not idle long enough yet (an hour): nothing happens.
    expect(await lifecycle.passivateIdle()).toBe(0);
    // Two hours on: both are passivated, their state dropped by the app's hook.
    expect(await lifecycle.passivateIdle(performance.now() + 7_200_000)).toBe(2);
    expect(loaded.size).toBe(0);
    expect(lifecycle.isActive('wallet', 'w1')).toBe(false);

    await expect(add('w1', 3)).resolves.toEqual({ balance: 3, first: true });
    expect(loads).toEqual(['w1', 'w2', 'w1']);
  });

  it('passivates the entities of the shards a node hands over at shutdown', async () => {
    const app = await startNode({ id: 'solo', prefix: testPrefix(), controllers: [WalletEntity] });
    const client = app.get(ShoalClient);
    await firstValueFrom(
      client.send('wallet.add', new ShoalRecordBuilder({ amount: 1 }).toEntity('wallet', 'w9').build()),
    );
    expect(loaded.get('w9')).toBe(1);
    await app.close();
    await eventually(() => !loaded.has('w9'), { what: 'the hook dropped w9' });
  });
});
