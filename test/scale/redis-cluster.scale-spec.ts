import { RedisClusterServer } from '@shoal/testing';
import { describeFailoverSuite } from './failover-suite.js';

describeFailoverSuite('a Redis Cluster (3 masters + 3 replicas)', async () => {
  const cluster = await RedisClusterServer.start();
  return {
    env: { REDIS_CLUSTER: cluster.seedList },
    killMaster: (key) => cluster.failover({ key, kill: true }),
    heal: () => cluster.heal(),
    stop: () => cluster.stop(),
  };
});
