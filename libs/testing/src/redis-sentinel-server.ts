import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pollUntil } from './poll-until.js';
import { onHostExit } from './child-registry.js';
import { freePort } from './free-port.js';
import { ManagedChild } from './managed-child.js';
import { parseInfo, redisCli } from './redis-cli.js';
import type { FailoverResult } from './redis-cluster-server.js';
import { pingRedis, RedisServer } from './redis-server.js';

/** How long a requested failover may go unfinished before it is asked for again (its failover-timeout is 10 s). */
const FAILOVER_REQUEST_RETRY_MS = 15_000;

/** Options of {@link RedisSentinelServer.start}. */
export interface RedisSentinelServerOptions {
  /** The master name the sentinels monitor. Default `shoal`. */
  name?: string;
  /** Number of sentinels (quorum is a majority of them). Default 3. */
  sentinels?: number;
  /** `down-after-milliseconds`: how long a silent master takes to be failed over. Default 1000. */
  downAfterMs?: number;
  /** How long start-up and each failover may take before they fail. Default 60 s. */
  timeoutMs?: number;
}

/** One `redis-server --sentinel` process with its config file in a private temp dir. */
class SentinelProcess {
  private constructor(
    readonly port: number,
    private readonly child: ManagedChild,
    private readonly removeDir: () => void,
  ) {}

  static async start(config: string, timeoutMs: number): Promise<SentinelProcess> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'shoal-sentinel-'));
    const forget = onHostExit(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'sentinel.conf');
    writeFileSync(file, `port ${port}\nbind 127.0.0.1\ndir ${dir}\n${config}`);
    const child = new ManagedChild({
      label: `redis-sentinel :${port}`,
      command: 'redis-server',
      args: [file, '--sentinel'],
      cwd: dir,
      env: process.env,
    });
    const removeDir = (): void => {
      rmSync(dir, { recursive: true, force: true });
      forget();
    };
    try {
      await child.awaitReady(async (abort) => {
        while (!abort.aborted && !(await pingRedis(port))) await sleep(50);
      }, timeoutMs);
    } catch (error) {
      removeDir();
      throw error;
    }
    return new SentinelProcess(port, child, removeDir);
  }

  async stop(): Promise<void> {
    await this.child.kill();
    this.removeDir();
  }
}

/**
 * A private Redis Sentinel setup on 127.0.0.1 for fault tests: one master, one replica and `sentinels` sentinels
 * (3 by default, quorum 2) monitoring it under `name`. {@link start} resolves once the replica is in sync and every
 * sentinel knows the replica and the other sentinels. {@link failover} SIGKILLs the master (or asks a sentinel for
 * a failover) and waits until every sentinel names the promoted replica. Never touches the shared Redis.
 */
export class RedisSentinelServer {
  private constructor(
    /** The master name the sentinels monitor (the sample's `REDIS_SENTINEL_NAME`). */
    readonly name: string,
    /** The data nodes: the initial master first, then the replica. */
    readonly servers: readonly RedisServer[],
    private readonly sentinelProcesses: readonly SentinelProcess[],
    private readonly timeoutMs: number,
  ) {}

  /** Starts the master, its replica and the sentinels, and waits until the setup is ready to fail over. */
  static async start(opts: RedisSentinelServerOptions = {}): Promise<RedisSentinelServer> {
    const name = opts.name ?? 'shoal';
    const count = opts.sentinels ?? 3;
    const timeoutMs = opts.timeoutMs ?? 60_000;
    const servers: RedisServer[] = [];
    const sentinels: SentinelProcess[] = [];
    try {
      // Replicas sync at once instead of waiting 5 s for more replicas to share a diskless transfer.
      const syncAtOnce = ['--repl-diskless-sync-delay', '0'];
      const master = await RedisServer.start({ args: syncAtOnce });
      servers.push(master);
      servers.push(
        await RedisServer.start({ args: [...syncAtOnce, '--replicaof', '127.0.0.1', String(master.port)] }),
      );
      const config = [
        `sentinel monitor ${name} 127.0.0.1 ${master.port} ${Math.floor(count / 2) + 1}`,
        `sentinel down-after-milliseconds ${name} ${opts.downAfterMs ?? 1_000}`,
        `sentinel failover-timeout ${name} 10000`,
        `sentinel parallel-syncs ${name} 1`,
        '',
      ].join('\n');
      for (let i = 0; i < count; i += 1) sentinels.push(await SentinelProcess.start(config, timeoutMs));
      const setup = new RedisSentinelServer(name, servers, sentinels, timeoutMs);
      await setup.waitReady(master.port);
      return setup;
    } catch (error) {
      await Promise.all([...sentinels.map((s) => s.stop()), ...servers.map((s) => s.kill())]);
      throw error;
    }
  }

  /** The sentinels as ioredis `sentinels` entries. */
  get sentinels(): { host: string; port: number }[] {
    return this.sentinelProcesses.map(({ port }) => ({ host: '127.0.0.1', port }));
  }

  /** The sentinels as `host:port,host:port,...` (the sample's `REDIS_SENTINELS`). */
  get sentinelList(): string {
    return this.sentinels.map(({ host, port }) => `${host}:${port}`).join(',');
  }

  /** The port of the master the first sentinel names now. */
  async masterPort(): Promise<number> {
    return this.masterPortSeenBy(this.sentinelProcesses[0].port);
  }

  /**
   * Fails the master over to the replica: with `kill` (default true) it SIGKILLs the master and waits for the
   * sentinels to agree and promote; without, it runs `SENTINEL FAILOVER` (no agreement needed, the old master is
   * turned into a replica). Resolves once every sentinel names the replica and the replica reports `role:master`.
   * A killed master stays down, so a second killing failover has no replica to promote.
   */
  async failover(opts: { kill?: boolean } = {}): Promise<FailoverResult> {
    const from = await this.masterPort();
    const replica = this.servers.find((server) => server.running && server.port !== from);
    if (replica === undefined) throw new Error(`master :${from} has no live replica`);
    const kill = opts.kill ?? true;
    const started = performance.now();
    let requestedAt = started;
    if (kill) await this.server(from).kill();
    else await this.requestFailover();
    await pollUntil(
      `replica :${replica.port} to replace master :${from}`,
      async () => {
        if (await this.promoted(replica.port)) return true;
        // A requested failover is one attempt: a sentinel that aborts it (the promotion not confirmed within its
        // failover-timeout) does not try again. Ask again while the first sentinel still names the old master.
        if (!kill && performance.now() - requestedAt > FAILOVER_REQUEST_RETRY_MS) {
          requestedAt = performance.now();
          if ((await this.masterPortSeenBy(this.sentinelProcesses[0].port)) === from)
            await this.requestFailover();
        }
        return false;
      },
      this.timeoutMs,
    );
    return { from, to: replica.port, ms: Math.round(performance.now() - started) };
  }

  /**
   * Restarts every killed data node (empty) as a replica of the current master, as an operator would (the
   * sentinels would convert a node that comes back as a master too, but only after it has reported that role for
   * a while). Resolves once it is in sync and every sentinel counts it, so the setup can fail over again.
   */
  async heal(): Promise<void> {
    const down = this.servers.filter((server) => !server.running);
    if (down.length === 0) return;
    const master = await this.masterPort();
    for (const server of down) {
      await server.restart();
      await redisCli(server.port, ['REPLICAOF', '127.0.0.1', String(master)]);
    }
    await pollUntil(
      'the restarted node to replicate the master',
      async () => {
        for (const server of down) {
          const info = parseInfo(await redisCli(server.port, ['INFO', 'replication']));
          if (
            info.role !== 'slave' ||
            info.master_port !== String(master) ||
            info.master_link_status !== 'up'
          )
            return `:${server.port} reports role ${info.role}, master :${info.master_port}, link ${info.master_link_status}`;
        }
        return this.sentinelsReady(master, this.servers.length - 1);
      },
      this.timeoutMs,
    );
  }

  /** Stops the sentinels and the data nodes, and removes their temp dirs. */
  async stop(): Promise<void> {
    await Promise.all(this.sentinelProcesses.map((sentinel) => sentinel.stop()));
    await Promise.all(this.servers.map((server) => server.kill()));
  }

  /** Asks the first sentinel for a failover; one already running, or no replica fit yet, is not an error. */
  private async requestFailover(): Promise<void> {
    try {
      await redisCli(this.sentinelProcesses[0].port, ['SENTINEL', 'FAILOVER', this.name]);
    } catch (error) {
      if (!/INPROG|NOGOODSLAVE/.test(String(error))) throw error;
    }
  }

  /** Whether every sentinel names `port` as the master and it reports `role:master`. */
  private async promoted(port: number): Promise<boolean> {
    for (const sentinel of this.sentinelProcesses) {
      if ((await this.masterPortSeenBy(sentinel.port)) !== port) return false;
    }
    return parseInfo(await redisCli(port, ['INFO', 'replication'])).role === 'master';
  }

  private server(port: number): RedisServer {
    const server = this.servers.find((candidate) => candidate.port === port);
    if (server === undefined) throw new Error(`no data node on :${port}`);
    return server;
  }

  private async masterPortSeenBy(sentinelPort: number): Promise<number> {
    const reply = await redisCli(sentinelPort, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.name]);
    return Number(reply.trim().split('\n')[1]);
  }

  private async waitReady(masterPort: number): Promise<void> {
    await pollUntil(
      'the replica and the sentinels to be ready',
      async () => {
        const replica = this.servers[1];
        const link = parseInfo(await redisCli(replica.port, ['INFO', 'replication'])).master_link_status;
        return link === 'up' ? this.sentinelsReady(masterPort, 1) : `replica link ${link}`;
      },
      this.timeoutMs,
    );
  }

  /**
   * True once every sentinel names `masterPort` as master, counts `replicas` replicas and knows the other sentinels;
   * else what the first sentinel not there yet reports.
   */
  private async sentinelsReady(masterPort: number, replicas: number): Promise<true | string> {
    const others = String(this.sentinelProcesses.length - 1);
    for (const sentinel of this.sentinelProcesses) {
      const fields = (await redisCli(sentinel.port, ['SENTINEL', 'MASTER', this.name])).trim().split('\n');
      const master: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) master[fields[i]] = fields[i + 1];
      if (
        master.port !== String(masterPort) ||
        master.flags !== 'master' ||
        master['num-slaves'] !== String(replicas) ||
        master['num-other-sentinels'] !== others
      )
        return `sentinel :${sentinel.port} names master :${master.port} (${master.flags}), ${master['num-slaves']} replica(s), ${master['num-other-sentinels']} other sentinel(s)`;
    }
    return true;
  }
}
