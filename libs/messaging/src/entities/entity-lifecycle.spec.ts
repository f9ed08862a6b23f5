import { describe, expect, it } from '@jest/globals';
import { resolveMessagingConfig } from '../messaging-config.js';
import { EntityLifecycle, type PassivationReason } from './entity-lifecycle.js';

function setup() {
  const config = resolveMessagingConfig(
    { entities: { account: { passivateAfterMs: 60_000 } } },
    { hasRedis: true },
  );
  const lifecycle = new EntityLifecycle(config);
  const passivated: [string, PassivationReason][] = [];
  lifecycle.onPassivate('account', (key, reason) => void passivated.push([key, reason]));
  return { lifecycle, passivated };
}

const later = () => performance.now() + 120_000;

describe('EntityLifecycle', () => {
  it('activates an entity on its first message only, and again after an idle passivation', async () => {
    const { lifecycle, passivated } = setup();
    try {
      expect(await lifecycle.begin('account', 'a', 1)).toBe(true);
      lifecycle.end('account', 'a');
      expect(await lifecycle.begin('account', 'a', 1)).toBe(false);
      lifecycle.end('account', 'a');
      expect(await lifecycle.passivateIdle(performance.now())).toBe(0);
      expect(await lifecycle.passivateIdle(later())).toBe(1);
      expect(passivated).toEqual([['a', 'idle']]);
      expect(lifecycle.isActive('account', 'a')).toBe(false);
      expect(await lifecycle.begin('account', 'a', 1)).toBe(true);
      lifecycle.end('account', 'a');
    } finally {
      lifecycle.onApplicationShutdown();
    }
  });

  it('never passivates a running entity, nor a type without passivateAfterMs', async () => {
    const { lifecycle, passivated } = setup();
    try {
      await lifecycle.begin('account', 'busy', 1);
      await lifecycle.begin('order', 'o', 2);
      lifecycle.end('order', 'o');
      expect(await lifecycle.passivateIdle(later())).toBe(0);
      expect(lifecycle.activeKeys('account')).toEqual(['busy']);
      expect(lifecycle.activeKeys('order')).toEqual(['o']);
      lifecycle.end('account', 'busy');
      expect(await lifecycle.passivateIdle(later())).toBe(1);
      expect(passivated).toEqual([['busy', 'idle']]);
    } finally {
      lifecycle.onApplicationShutdown();
    }
  });

  it('passivates the entities of a shard that leaves, and a message waits for the hooks', async () => {
    const { lifecycle, passivated } = setup();
    try {
      let finish!: () => void;
      const hookDone = new Promise<void>((resolve) => (finish = resolve));
      lifecycle.onPassivate('account', () => hookDone);
      await lifecycle.begin('account', 'x', 7);
      lifecycle.end('account', 'x');
      await lifecycle.begin('account', 'y', 8);
      lifecycle.end('account', 'y');
      const handover = lifecycle.handOver(7);
      let activated: boolean | undefined;
      const next = lifecycle.begin('account', 'x', 7).then((first) => (activated = first));
      await Promise.resolve();
      expect(activated).toBeUndefined();
      finish();
      await handover;
      await next;
      expect(activated).toBe(true);
      expect(passivated).toEqual([['x', 'handed-over']]);
      expect(lifecycle.activeKeys('account').sort()).toEqual(['x', 'y']);
    } finally {
      lifecycle.onApplicationShutdown();
    }
  });
});
