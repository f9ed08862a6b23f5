import { RedisSentinelServer } from '@shoal/testing';
import { describeFailoverSuite } from './failover-suite.js';

describeFailoverSuite('Redis Sentinel (1 master, 1 replica, 3 sentinels)', async () => {
  const setup = await RedisSentinelServer.start({ name: 'shoal' });
  return {
    env: { REDIS_SENTINELS: setup.sentinelList, REDIS_SENTINEL_NAME: setup.name },
    killMaster: () => setup.failover({ kill: true }),
    heal: () => setup.heal(),
    stop: () => setup.stop(),
  };
});
