import type { RedisClient } from '@shoal/cluster';
import type { PresenceNode, PresenceStore, PresenceTotals, UserSockets } from './presence-store.js';
import {
  connectScript,
  disconnectScript,
  nodesScript,
  registerScript,
  removeScript,
} from './redis-presence.scripts.js';

/**
 * Presence in Redis: per-node and per-user hashes plus running totals, each change one Lua script (atomic), all
 * keys under `<prefix>:{presence}:` so Redis Cluster keeps them on one slot. Reads are single commands.
 */
export class RedisPresenceStore implements PresenceStore {
  private readonly base: string;
  private readonly nodesKey: string;
  private readonly totalsKey: string;
  private readonly userPrefix: string;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    this.base = `${prefix}:{presence}:`;
    this.nodesKey = `${this.base}nodes`;
    this.totalsKey = `${this.base}totals`;
    this.userPrefix = `${this.base}user:`;
  }

  async init(): Promise<void> {}

  async register(nodeId: string, counts: ReadonlyMap<string, number>): Promise<void> {
    const pairs: (string | number)[] = [];
    for (const [user, n] of counts) if (n > 0) pairs.push(user, n);
    await registerScript.run(this.redis, this.keys(nodeId), [nodeId, this.userPrefix, ...pairs]);
  }

  async connect(nodeId: string, userId: string): Promise<boolean> {
    return (await connectScript.run(this.redis, this.keys(nodeId), [nodeId, this.userPrefix, userId])) === 1;
  }

  async disconnect(nodeId: string, userId: string): Promise<boolean> {
    return (
      (await disconnectScript.run(this.redis, this.keys(nodeId), [nodeId, this.userPrefix, userId])) === 1
    );
  }

  async remove(nodeId: string): Promise<void> {
    await removeScript.run(this.redis, this.keys(nodeId), [nodeId, this.userPrefix]);
  }

  async user(userId: string): Promise<UserSockets[]> {
    const entries = await this.redis.hgetall(`${this.userPrefix}${userId}`);
    return Object.entries(entries)
      .map(([nodeId, n]) => ({ nodeId, sockets: Number(n) }))
      .filter((entry) => entry.sockets > 0)
      .sort((a, b) => a.nodeId.localeCompare(b.nodeId));
  }

  async totals(): Promise<PresenceTotals> {
    const [users, sockets] = await this.redis.hmget(this.totalsKey, 'users', 'sockets');
    return { users: Math.max(0, Number(users ?? 0)), sockets: Math.max(0, Number(sockets ?? 0)) };
  }

  async nodes(): Promise<PresenceNode[]> {
    const [now, flat] = await nodesScript.run(this.redis, [this.nodesKey], []);
    const nodes: PresenceNode[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      nodes.push({ nodeId: flat[i], registeredAgo: now - Number(flat[i + 1]) });
    }
    return nodes;
  }

  private keys(nodeId: string): string[] {
    return [this.nodesKey, this.totalsKey, `${this.base}node:${nodeId}`];
  }
}
