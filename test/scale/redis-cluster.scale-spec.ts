import { describeFailoverSuite } from './failover-suite.js';
import { startRedisCluster } from './topologies.js';

describeFailoverSuite('a Redis Cluster (3 masters + 3 replicas)', startRedisCluster);
