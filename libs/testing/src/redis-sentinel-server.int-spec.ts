import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { pingRedis } from './redis-server.js';
import { RedisSentinelServer } from './redis-sentinel-server.js';

const TIMEOUT = 120_000;
let setup: RedisSentinelServer;

beforeAll(async () => {
  setup = await RedisSentinelServer.start({ name: 'harness' });
}, TIMEOUT);

afterAll(async () => {
  await setup?.stop();
}, TIMEOUT);

describe('RedisSentinelServer', () => {
  it(
    'serves the master through the sentinels, then promotes the replica when the master is SIGKILLed',
    async () => {
      expect(setup.sentinels).toHaveLength(3);
      expect(await setup.masterPort()).toBe(setup.servers[0].port);
      const client = new Redis({ sentinels: setup.sentinels, name: setup.name });
      // While the master is down ioredis reports each failed reconnect; it recovers by itself.
      client.on('error', () => undefined);
      try {
        await client.set('probe', 'replicated');
        expect(await client.wait(1, 1_000)).toBe(1);

        const result = await setup.failover({ kill: true });
        expect(result.from).toBe(setup.servers[0].port);
        expect(result.to).toBe(setup.servers[1].port);
        expect(await pingRedis(result.from)).toBe(false);
        expect(await setup.masterPort()).toBe(result.to);
        expect(await client.get('probe')).toBe('replicated');
        await client.set('probe', 'after');
        expect(await client.get('probe')).toBe('after');
        console.log(`sentinel failover after SIGKILL took ${result.ms} ms`);
      } finally {
        client.disconnect();
      }
    },
    TIMEOUT,
  );

  it(
    'heals the killed master into a replica, then fails over on request',
    async () => {
      const client = new Redis({ sentinels: setup.sentinels, name: setup.name });
      client.on('error', () => undefined);
      try {
        await setup.heal();
        expect(setup.servers.every((server) => server.running)).toBe(true);
        await client.set('probe', 'healed');
        expect(await client.wait(1, 1_000)).toBe(1);
        const result = await setup.failover({ kill: false });
        expect(result.to).toBe(setup.servers[0].port);
        expect(await client.get('probe')).toBe('healed');
      } finally {
        client.disconnect();
      }
    },
    TIMEOUT,
  );
});
