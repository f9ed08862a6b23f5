import type { NodeInfo } from '../node-identity.js';
import type { RedisClient } from '../redis/redis-client.js';
import { closeConnection } from '../redis/close-connection.js';
import { duplicateConnection } from '../redis/duplicate-connection.js';
import type {
  BeatResult,
  MembershipNotice,
  MembershipSnapshot,
  MembershipStore,
} from './membership-store.js';
import { parseNotice, toMemberRecords } from './member-record.codec.js';
import { beatScript, leaveScript, listScript } from './redis-membership.scripts.js';

/**
 * Membership in Redis: a sorted set of heartbeats scored by Redis `TIME`, a hash of node infos, Lua scripts for
 * atomic beat/sweep/leave, a version counter bumped on every change of membership (so a heartbeat returns the
 * member list only when it changed), and pub/sub for instant notices. Keys share the `{cluster}` hash tag (Redis
 * Cluster).
 *
 * A store failover (Sentinel, Cluster) or restart silences every node at once; when no node could beat for over half
 * the failure timeout, the members live before the silence are kept (neither swept nor hidden) for one more failure
 * timeout, so a failover longer than the failure timeout does not make the whole cluster "leave" and rejoin. A node
 * that crashed during that window is removed up to one failure timeout later than usual.
 */
export class RedisMembershipStore implements MembershipStore {
  private readonly keys: [string, string, string, string];
  private readonly channel: string;
  private subscriber?: RedisClient;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    this.keys = [
      `${prefix}:{cluster}:members`,
      `${prefix}:{cluster}:nodes`,
      `${prefix}:{cluster}:grace`,
      `${prefix}:{cluster}:version`,
    ];
    this.channel = `${prefix}:{cluster}:changes`;
  }

  async init(onNotice: (notice: MembershipNotice) => void): Promise<void> {
    const subscriber = duplicateConnection(this.redis, 'membership subscriber');
    this.subscriber = subscriber;
    subscriber.on('message', (channel: string, message: string) => {
      const notice = channel === this.channel ? parseNotice(message) : undefined;
      if (notice) onNotice(notice);
    });
    await subscriber.subscribe(this.channel);
  }

  async beat(self: NodeInfo, failureTimeoutMs: number, knownVersion?: string): Promise<BeatResult> {
    const [created, removed, version, live, infos] = await beatScript.run(this.redis, this.keys, [
      self.id,
      JSON.stringify(self),
      failureTimeoutMs,
      this.channel,
      knownVersion ?? '',
    ]);
    return {
      created: created === 1,
      removed,
      version: String(version),
      members: live && infos ? toMemberRecords(live, infos) : undefined,
    };
  }

  async list(failureTimeoutMs: number): Promise<MembershipSnapshot> {
    const [version, live, infos] = await listScript.run(this.redis, this.keys, [failureTimeoutMs]);
    return { version: String(version), members: toMemberRecords(live, infos) };
  }

  async leave(self: NodeInfo): Promise<void> {
    await leaveScript.run(this.redis, this.keys, [self.id, JSON.stringify(self), this.channel]);
  }

  async close(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (!subscriber) return;
    await closeConnection(subscriber);
  }
}
