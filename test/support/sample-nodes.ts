import { resolve } from 'node:path';
import { freePort, NodeProcess, NodeProcessGroup } from '@shoal/testing';
import { type Cluster, Redis } from 'ioredis';
import pg from 'pg';

/** The built sample app (`npm run build` first). */
export const SAMPLE_MAIN = resolve(import.meta.dirname, '../../apps/sample/dist/main.js');
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** `GET /cluster` of the sample app. */
export interface ClusterView {
  self: { id: string };
  members: { id: string; startedAt: string }[];
  leader: { id: string; token: number } | null;
  events: { type: string; id: string; at: string }[];
}

/** Real processes of the sample app forming one cluster under a private prefix. */
export class SampleNodes {
  private readonly late: NodeProcess[] = [];

  private constructor(
    readonly group: NodeProcessGroup,
    readonly ports: Map<string, number>,
    readonly prefix: string,
    private readonly redisUrl: string,
    private readonly databaseUrl: string,
    private readonly envOf: (name: string, port: number) => Record<string, string>,
    private readonly membershipStore: 'redis' | 'postgres',
    private readonly readyTimeoutMs?: number,
  ) {}

  static async start(options: {
    names: string[];
    /** Membership/leases store; `postgres-only` also leaves Redis out: every module runs on Postgres alone. */
    store: 'redis' | 'postgres' | 'postgres-only';
    env?: Record<string, string>;
    /** Extra environment of one node. */
    envFor?: (name: string) => Record<string, string>;
    /** A private Redis / Postgres instead of the shared ones. */
    redisUrl?: string;
    databaseUrl?: string;
    /** How long a process may take to print `shoal:ready` (default `DEFAULT_READY_TIMEOUT_MS`). */
    readyTimeoutMs?: number;
  }): Promise<SampleNodes> {
    const redisUrl = options.redisUrl ?? REDIS_URL;
    const databaseUrl = options.databaseUrl ?? DATABASE_URL;
    const prefix = `e2e_${Math.random().toString(36).slice(2, 10)}`;
    const membershipStore = options.store === 'postgres-only' ? 'postgres' : options.store;
    const ports = new Map<string, number>();
    for (const name of options.names) ports.set(name, await freePort());
    const envOf = (name: string, port: number) => ({
      PORT: String(port),
      SHOAL_NODE_ID: name,
      SHOAL_PREFIX: prefix,
      SHOAL_STORE: membershipStore,
      REDIS_URL: options.store === 'postgres-only' ? '' : redisUrl,
      DATABASE_URL: databaseUrl,
      NO_COLOR: '1',
      WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'true',
      // No load balancer to drain in most tests: a SIGTERM hands over at once (health tests set their own).
      SHOAL_DRAIN_DELAY: '0',
      ...options.env,
      ...options.envFor?.(name),
    });
    const group = await NodeProcessGroup.start(
      options.names.map((name) => ({
        name,
        script: SAMPLE_MAIN,
        env: envOf(name, ports.get(name)!),
        readyTimeoutMs: options.readyTimeoutMs,
      })),
    );
    return new SampleNodes(
      group,
      ports,
      prefix,
      redisUrl,
      databaseUrl,
      envOf,
      membershipStore,
      options.readyTimeoutMs,
    );
  }

  /** Starts one more node of this cluster (same settings) and waits until it is ready. */
  async spawn(name: string): Promise<NodeProcess> {
    const port = await freePort();
    this.ports.set(name, port);
    const node = new NodeProcess({
      name,
      script: SAMPLE_MAIN,
      env: this.envOf(name, port),
      readyTimeoutMs: this.readyTimeoutMs,
    });
    this.late.push(node);
    await node.start();
    return node;
  }

  node(name: string): NodeProcess {
    return this.late.find((n) => n.name === name) ?? this.group.node(name);
  }

  /** This node's view, or undefined when it does not answer (within 1 s). */
  async view(name: string): Promise<ClusterView | undefined> {
    try {
      const response = await fetch(`http://127.0.0.1:${this.ports.get(name)}/cluster`, {
        signal: AbortSignal.timeout(1000),
      });
      return response.ok ? ((await response.json()) as ClusterView) : undefined;
    } catch {
      return undefined;
    }
  }

  /** The base URL of node `name`. */
  url(name: string): string {
    return `http://127.0.0.1:${this.ports.get(name)}`;
  }

  /** GET/POST `path` on node `name`, parsed as JSON; throws on a non-2xx answer. */
  async request<T>(
    name: string,
    path: string,
    method: 'GET' | 'POST' = 'GET',
    timeoutMs = 30_000,
    body?: unknown,
  ): Promise<T> {
    const response = await fetch(`http://127.0.0.1:${this.ports.get(name)}${path}`, {
      method,
      signal: AbortSignal.timeout(timeoutMs),
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok)
      throw new Error(`${method} ${path} on ${name}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  /**
   * The sum of `metric`'s samples in node `name`'s `GET /metrics` (Prometheus text) whose labels include every pair of
   * `labels`; 0 when it has none.
   */
  async metricTotal(
    name: string,
    metric: string,
    labels: Readonly<Record<string, string>> = {},
  ): Promise<number> {
    const response = await fetch(`${this.url(name)}/metrics`, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`GET /metrics on ${name}: ${response.status}`);
    const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
    let total = 0;
    for (const line of (await response.text()).split('\n')) {
      if (!line.startsWith(`${metric}{`) && !line.startsWith(`${metric} `)) continue;
      if (wanted.every((pair) => line.includes(pair))) total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return total;
  }

  /** The node that says it leads (its own view: self === leader), among `candidates`. */
  async selfDeclaredLeaders(candidates: string[]): Promise<{ id: string; token: number }[]> {
    const views = await Promise.all(candidates.map((c) => this.view(c)));
    return views
      .filter((v): v is ClusterView => v !== undefined && v.leader !== null && v.leader.id === v.self.id)
      .map((v) => v.leader as { id: string; token: number });
  }

  /** Polls every 10 ms until one of `candidates` declares itself leader; returns it and the ms it took. */
  async timeUntilLeader(candidates: string[], timeoutMs: number, since = Date.now()) {
    for (;;) {
      const leaders = await this.selfDeclaredLeaders(candidates);
      if (leaders.length > 1)
        throw new Error(`two nodes declare themselves leader: ${JSON.stringify(leaders)}`);
      if (leaders.length === 1) return { leader: leaders[0], took: Date.now() - since };
      if (Date.now() - since > timeoutMs)
        throw new Error(`no leader among ${candidates.join(', ')} in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Member ids as `name` sees them, sorted; undefined when it does not answer. */
  async memberIds(name: string): Promise<string[] | undefined> {
    return (await this.view(name))?.members.map((m) => m.id).sort();
  }

  /**
   * Polls the `observers` every 10 ms until each sees exactly `expected`; returns the ms it took, or rejects after
   * `timeoutMs`.
   */
  async timeUntilAllSee(
    observers: string[],
    expected: string[],
    timeoutMs: number,
    since = Date.now(),
  ): Promise<number> {
    const want = [...expected].sort().join(',');
    const deadline = since + timeoutMs;
    for (;;) {
      const views = await Promise.all(observers.map((o) => this.memberIds(o)));
      if (views.every((ids) => ids?.join(',') === want)) return Date.now() - since;
      if (Date.now() > deadline) {
        const seen = observers.map((o, i) => `${o}: ${views[i]?.join(',') ?? 'no answer'}`).join('; ');
        throw new Error(`not every node saw [${want}] within ${timeoutMs} ms (${seen})`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /**
   * When the membership store last recorded a heartbeat of member `id` (epoch ms, the store's clock), or undefined
   * when it holds no record of it. A crashed node is removed a failure timeout after this, not after its death.
   * `redis` reads through that client (a Cluster or Sentinel topology) instead of the cluster's `REDIS_URL`.
   */
  async lastHeartbeatAt(id: string, redis?: Redis | Cluster): Promise<number | undefined> {
    if (this.membershipStore === 'postgres') {
      const client = new pg.Client({ connectionString: this.databaseUrl });
      await client.connect();
      try {
        const { rows } = await client.query<{ ms: number }>(
          `SELECT (extract(epoch FROM last_seen) * 1000)::float8 AS ms FROM "${this.prefix}".cluster_members WHERE id = $1`,
          [id],
        );
        return rows[0]?.ms;
      } finally {
        await client.end();
      }
    }
    const client = redis ?? new Redis(this.redisUrl, { maxRetriesPerRequest: 1 });
    try {
      const score = await client.zscore(`${this.prefix}:{cluster}:members`, id);
      return score === null ? undefined : Number(score);
    } finally {
      if (!redis) client.disconnect();
    }
  }

  /** Stops every process and deletes the cluster's Redis keys / Postgres schema. */
  async dispose(): Promise<void> {
    await Promise.all([
      this.group.stopAll(),
      ...this.late.map(async (node) => {
        if (node.paused) node.resume();
        await node.stop().catch(() => node.kill());
      }),
    ]);
    const redis = new Redis(this.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined); // a private server may be gone already
    try {
      const keys = await redis.keys(`${this.prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
    } catch {
      // nothing left to clean on a server that is gone
    } finally {
      redis.disconnect();
    }
    const client = new pg.Client({ connectionString: this.databaseUrl });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${this.prefix}" CASCADE`);
      await client.query(`DROP SCHEMA IF EXISTS "${this.prefix}_jobs" CASCADE`);
    } catch {
      // likewise
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
