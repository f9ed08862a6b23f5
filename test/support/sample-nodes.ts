import { resolve } from 'node:path';
import { freePort, NodeProcessGroup, type NodeProcess } from '@shoal/testing';
import { Redis } from 'ioredis';
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
  private constructor(
    readonly group: NodeProcessGroup,
    readonly ports: ReadonlyMap<string, number>,
    readonly prefix: string,
    private readonly redisUrl: string,
    private readonly databaseUrl: string,
  ) {}

  static async start(options: {
    names: string[];
    store: 'redis' | 'postgres';
    env?: Record<string, string>;
    /** Extra environment of one node. */
    envFor?: (name: string) => Record<string, string>;
    /** A private Redis / Postgres instead of the shared ones. */
    redisUrl?: string;
    databaseUrl?: string;
    /** How long each process may take to print its ready line (default: the harness's 20 s). */
    readyTimeoutMs?: number;
  }): Promise<SampleNodes> {
    const redisUrl = options.redisUrl ?? REDIS_URL;
    const databaseUrl = options.databaseUrl ?? DATABASE_URL;
    const prefix = `e2e_${Math.random().toString(36).slice(2, 10)}`;
    const ports = new Map<string, number>();
    for (const name of options.names) ports.set(name, await freePort());
    const group = await NodeProcessGroup.start(
      options.names.map((name) => ({
        name,
        script: SAMPLE_MAIN,
        readyTimeoutMs: options.readyTimeoutMs,
        env: {
          PORT: String(ports.get(name)),
          SHOAL_NODE_ID: name,
          SHOAL_PREFIX: prefix,
          SHOAL_STORE: options.store,
          REDIS_URL: redisUrl,
          DATABASE_URL: databaseUrl,
          NO_COLOR: '1',
          WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'true',
          ...options.env,
          ...options.envFor?.(name),
        },
      })),
    );
    return new SampleNodes(group, ports, prefix, redisUrl, databaseUrl);
  }

  node(name: string): NodeProcess {
    return this.group.node(name);
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

  /** Stops every process and deletes the cluster's Redis keys / Postgres schema. */
  async dispose(): Promise<void> {
    await this.group.stopAll();
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
    } catch {
      // likewise
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
