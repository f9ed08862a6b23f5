import { describeFailoverSuite } from './failover-suite.js';
import { startRedisSentinel } from './topologies.js';

describeFailoverSuite('Redis Sentinel (1 master, 1 replica, 3 sentinels)', startRedisSentinel);
