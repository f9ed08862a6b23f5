import { pollUntil } from './poll-until.js';
import { freePortWithOffset } from './free-port.js';
import { parseInfo, redisCli } from './redis-cli.js';
import { RedisServer } from './redis-server.js';

/** Options of {@link RedisClusterServer.start}. */
export interface RedisClusterServerOptions {
  /** Number of masters (at least 3, which Redis Cluster needs to elect). Default 3. */
  masters?: number;
  /** Replicas per master. Default 1. */
  replicasPerMaster?: number;
  /** `cluster-node-timeout`: how long a silent node takes to be failed over. Default 1000 ms. */
  nodeTimeoutMs?: number;
  /** How long start-up and each failover may take before they fail. Default 60 s. */
  timeoutMs?: number;
}

/** What a failover did: the master that lost its slots, the replica that took them, and how long it took. */
export interface FailoverResult {
  /** Port of the master that was failed over. */
  readonly from: number;
  /** Port of the replica promoted in its place. */
  readonly to: number;
  /** Milliseconds from the failover request (or the kill) until every live node agreed on the new master. */
  readonly ms: number;
}

/** One line of `CLUSTER NODES`. */
interface ClusterNodeLine {
  readonly id: string;
  readonly port: number;
  readonly master: boolean;
  readonly failed: boolean;
  readonly masterId: string;
  readonly slots: readonly [number, number][];
}

const BUS_PORT_OFFSET = 10_000;

/** One node's view of the roles, comparable between nodes: each node id with `master` or the id it replicates. */
function rolesOf(lines: readonly ClusterNodeLine[]): string {
  return lines
    .map((line) => `${line.id}:${line.master ? 'master' : line.masterId}`)
    .sort()
    .join(',');
}

function parseNodes(text: string): ClusterNodeLine[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [id, address, flags, masterId, , , , , ...slots] = line.trim().split(' ');
      const port = Number(address.split('@')[0].split(':').pop());
      const ranges = slots
        .filter((slot) => !slot.startsWith('['))
        .map((slot): [number, number] => {
          const [start, end] = slot.split('-').map(Number);
          return [start, end ?? start];
        });
      const flagList = flags.split(',');
      return {
        id,
        port,
        master: flagList.includes('master'),
        failed: flagList.includes('fail') || flagList.includes('fail?'),
        masterId,
        slots: ranges,
      };
    });
}

/**
 * A private Redis Cluster on 127.0.0.1 for fault tests: `masters` masters with `replicasPerMaster` replicas each
 * (3 + 3 by default), every node a throw-away {@link RedisServer} with `--cluster-enabled yes`, joined by
 * `redis-cli --cluster create`. {@link start} resolves once every node reports `cluster_state:ok` and sees every
 * other node. {@link failover} moves a master's slots to its replica, gracefully (`CLUSTER FAILOVER`) or by
 * SIGKILLing the master. Never touches the shared Redis.
 */
export class RedisClusterServer {
  private constructor(
    /** Every node, masters and replicas, in start order (after failovers, roles differ from that order). */
    readonly nodes: readonly RedisServer[],
    private readonly timeoutMs: number,
  ) {}

  /** Starts the nodes, creates the cluster and waits until it is healthy. */
  static async start(opts: RedisClusterServerOptions = {}): Promise<RedisClusterServer> {
    const masters = opts.masters ?? 3;
    const replicas = opts.replicasPerMaster ?? 1;
    if (masters < 3) throw new Error('a Redis Cluster needs at least 3 masters');
    const timeoutMs = opts.timeoutMs ?? 60_000;
    const nodeTimeout = String(opts.nodeTimeoutMs ?? 1_000);
    const nodes: RedisServer[] = [];
    try {
      for (let i = 0; i < masters * (1 + replicas); i += 1) {
        nodes.push(
          await RedisServer.start({
            port: await freePortWithOffset(BUS_PORT_OFFSET),
            args: [
              '--cluster-enabled',
              'yes',
              '--cluster-config-file',
              'nodes.conf',
              '--cluster-node-timeout',
              nodeTimeout,
              '--cluster-replica-validity-factor',
              '0',
              // Replicas sync at once instead of waiting 5 s for more replicas to share a diskless transfer.
              '--repl-diskless-sync-delay',
              '0',
            ],
          }),
        );
      }
      const addresses = nodes.map((node) => `127.0.0.1:${node.port}`);
      await redisCli(
        nodes[0].port,
        ['--cluster', 'create', ...addresses, '--cluster-replicas', String(replicas), '--cluster-yes'],
        timeoutMs,
      );
      const cluster = new RedisClusterServer(nodes, timeoutMs);
      await cluster.waitHealthy();
      return cluster;
    } catch (error) {
      await Promise.all(nodes.map((node) => node.kill()));
      throw error;
    }
  }

  /** The running nodes as ioredis `Cluster` seed nodes. */
  get seeds(): { host: string; port: number }[] {
    return this.live().map((node) => ({ host: '127.0.0.1', port: node.port }));
  }

  /** The running nodes as `host:port,host:port,...` (the sample's `REDIS_CLUSTER`). */
  get seedList(): string {
    return this.seeds.map(({ host, port }) => `${host}:${port}`).join(',');
  }

  /** The ports of the current masters, as a live node sees them. */
  async masterPorts(): Promise<number[]> {
    return (await this.topology())
      .filter((node) => node.master && !node.failed)
      .map((node) => node.port)
      .sort((a, b) => a - b);
  }

  /** The port of the master that serves `key`'s slot. */
  async masterOf(key: string): Promise<number> {
    const [any] = this.live();
    const slot = Number((await redisCli(any.port, ['CLUSTER', 'KEYSLOT', key])).trim());
    const owner = (await this.topology()).find(
      (node) =>
        node.master && !node.failed && node.slots.some(([start, end]) => slot >= start && slot <= end),
    );
    if (owner === undefined) throw new Error(`no master serves slot ${slot} of "${key}"`);
    return owner.port;
  }

  /**
   * Fails over the master serving `opts.key`'s slot (or the first master): with `kill` (default false) it SIGKILLs
   * the master and waits for the cluster to promote its replica; otherwise it runs `CLUSTER FAILOVER` on the
   * replica, which first catches up with the master (no acknowledged write is lost). Resolves once every live node
   * reports `cluster_state:ok` with the replica as master.
   */
  async failover(opts: { key?: string; kill?: boolean } = {}): Promise<FailoverResult> {
    const from = opts.key === undefined ? (await this.masterPorts())[0] : await this.masterOf(opts.key);
    const topology = await this.topology();
    const master = topology.find((node) => node.port === from);
    const replica = topology.find((node) => !node.master && !node.failed && node.masterId === master?.id);
    if (master === undefined || replica === undefined) throw new Error(`master :${from} has no live replica`);
    const started = performance.now();
    if (opts.kill) await this.node(from).kill();
    else await redisCli(replica.port, ['CLUSTER', 'FAILOVER']);
    await pollUntil(
      `replica :${replica.port} to take over from :${from}`,
      async () => {
        if (!(await this.masterPorts()).includes(replica.port)) return false;
        return this.allHealthy();
      },
      this.timeoutMs,
    );
    return { from, to: replica.port, ms: Math.round(performance.now() - started) };
  }

  /**
   * Brings every killed node back as a fresh, empty node that replicates a master left without a replica, so the
   * cluster can fail over again: the others forget the dead node id, the new one meets them and replicates. Resolves
   * once the cluster is healthy and the new replica is in sync.
   */
  async heal(): Promise<void> {
    for (const node of this.nodes.filter((candidate) => !candidate.running)) {
      const deadId = (await this.topology()).find((line) => line.port === node.port)?.id;
      const live = this.live();
      await node.restart();
      if (deadId !== undefined) {
        for (const other of live) await redisCli(other.port, ['CLUSTER', 'FORGET', deadId]);
      }
      await redisCli(node.port, ['CLUSTER', 'MEET', '127.0.0.1', String(live[0].port)]);
      await pollUntil(
        `:${node.port} to meet the cluster`,
        async () => parseNodes(await redisCli(node.port, ['CLUSTER', 'NODES'])).length === live.length + 1,
        this.timeoutMs,
      );
      const lines = await this.topology();
      const orphan = lines.find(
        (line) =>
          line.master && !line.failed && line.slots.length > 0 && !lines.some((r) => r.masterId === line.id),
      );
      if (orphan === undefined) continue;
      await redisCli(node.port, ['CLUSTER', 'REPLICATE', orphan.id]);
      await pollUntil(
        `:${node.port} to replicate :${orphan.port}`,
        async () =>
          parseInfo(await redisCli(node.port, ['INFO', 'replication'])).master_link_status === 'up' &&
          (await this.allHealthy()),
        this.timeoutMs,
      );
    }
  }

  /**
   * Waits until every live node reports `cluster_state:ok`, all slots assigned, sees every live node, every replica
   * is in sync with its master, and all live nodes agree on who replicates whom.
   */
  async waitHealthy(): Promise<void> {
    await pollUntil('the cluster to be healthy', () => this.allHealthy(), this.timeoutMs);
  }

  /** Stops every node (SIGKILL: nothing is persisted anyway) and removes their temp dirs. */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.kill()));
  }

  private live(): RedisServer[] {
    const live = this.nodes.filter((node) => node.running);
    if (live.length === 0) throw new Error('no cluster node is running');
    return live;
  }

  private node(port: number): RedisServer {
    const node = this.nodes.find((candidate) => candidate.port === port);
    if (node === undefined) throw new Error(`no cluster node on :${port}`);
    return node;
  }

  private async topology(): Promise<ClusterNodeLine[]> {
    return parseNodes(await redisCli(this.live()[0].port, ['CLUSTER', 'NODES']));
  }

  /**
   * Whether the cluster is healthy as `waitHealthy` means it. The roles must agree too: a node that has just been
   * told to replicate is in sync before gossip has told the others, and a failover planned from another node's view
   * would not find that replica.
   */
  private async allHealthy(): Promise<boolean> {
    const live = this.live();
    const views = new Set<string>();
    for (const node of live) {
      const info = parseInfo(await redisCli(node.port, ['CLUSTER', 'INFO']));
      if (info.cluster_state !== 'ok' || info.cluster_slots_ok !== '16384') return false;
      const replication = parseInfo(await redisCli(node.port, ['INFO', 'replication']));
      if (replication.role === 'slave' && replication.master_link_status !== 'up') return false;
      const seen = parseNodes(await redisCli(node.port, ['CLUSTER', 'NODES'])).filter((line) => !line.failed);
      if (seen.length !== live.length) return false;
      views.add(rolesOf(seen));
    }
    return views.size === 1;
  }
}
