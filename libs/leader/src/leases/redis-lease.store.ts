import { type RedisClient } from '@shoal/cluster';
import { closeConnection, duplicateConnection } from '@shoal/cluster/internal';
import type { AcquireResult, LeaseHolder, LeaseRenewal, LeaseStore } from './lease-store.js';
import {
  acquireScript,
  holderScript,
  releaseScript,
  renewManyScript,
  renewScript,
} from './redis-lease.scripts.js';

/** Decodes "token|owner". */
function decode(value: string, remainingMs: number): LeaseHolder {
  const bar = value.indexOf('|');
  return {
    token: Number(value.slice(0, bar)),
    owner: value.slice(bar + 1),
    remainingMs: Math.max(0, remainingMs),
  };
}

/**
 * Leases in Redis: a `SET PX` key per lease holding "token|owner", an epoch key for fencing tokens (both under the
 * lease's hash tag), compare-and-set Lua scripts for renew/release (one script renews all of a node's leases), and a pub/sub channel that wakes waiting nodes
 * on release.
 */
export class RedisLeaseStore implements LeaseStore {
  private readonly channel: string;
  private subscriber?: RedisClient;

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {
    this.channel = `${prefix}:leases:released`;
  }

  async init(onReleased: (lease: string) => void): Promise<void> {
    const subscriber = duplicateConnection(this.redis, 'lease subscriber');
    this.subscriber = subscriber;
    subscriber.on('message', (channel: string, lease: string) => {
      if (channel === this.channel) onReleased(lease);
    });
    await subscriber.subscribe(this.channel);
  }

  async acquire(lease: string, owner: string, ttlMs: number): Promise<AcquireResult> {
    const [ok, value, pttl] = await acquireScript.run(this.redis, this.keys(lease), [owner, ttlMs]);
    if (ok === 1) return { acquired: true, token: Number(value) };
    return { acquired: false, holder: value ? decode(value, Number(pttl)) : null };
  }

  async renew(lease: string, owner: string, token: number, ttlMs: number): Promise<boolean> {
    return (await renewScript.run(this.redis, [this.keys(lease)[0]], [`${token}|${owner}`, ttlMs])) === 1;
  }

  /** One script for all leases; on Redis Cluster (leases in different slots) one script per lease, in parallel. */
  async renewMany(renewals: readonly LeaseRenewal[], owner: string, ttlMs: number): Promise<boolean[]> {
    if (renewals.length === 0) return [];
    if (this.redis.isCluster) {
      return Promise.all(renewals.map((r) => this.renew(r.lease, owner, r.token, ttlMs)));
    }
    const keys = renewals.map((r) => this.keys(r.lease)[0]);
    const values = renewals.map((r) => `${r.token}|${owner}`);
    const renewed = await renewManyScript.run(this.redis, keys, [ttlMs, ...values]);
    return renewed.map((ok) => ok === 1);
  }

  async release(lease: string, owner: string, token: number): Promise<boolean> {
    const args = [`${token}|${owner}`, this.channel, lease];
    return (await releaseScript.run(this.redis, [this.keys(lease)[0]], args)) === 1;
  }

  async holder(lease: string): Promise<LeaseHolder | null> {
    const [value, pttl] = await holderScript.run(this.redis, [this.keys(lease)[0]], []);
    return value ? decode(value, Number(pttl)) : null;
  }

  async close(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber) await closeConnection(subscriber);
  }

  private keys(lease: string): [string, string] {
    return [`${this.prefix}:{lease:${lease}}:holder`, `${this.prefix}:{lease:${lease}}:epoch`];
  }
}
