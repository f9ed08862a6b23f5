import { MemoryLeaseHub, type MemoryLease } from './memory-lease.hub.js';
import type { AcquireResult, LeaseHolder, LeaseRenewal, LeaseStore } from './lease-store.js';

/** Leases in this process's memory: for tests and single-process apps. */
export class MemoryLeaseStore implements LeaseStore {
  private unsubscribe?: () => void;

  constructor(private readonly hub: MemoryLeaseHub = MemoryLeaseHub.shared) {}

  async init(onReleased: (lease: string) => void): Promise<void> {
    this.unsubscribe = this.hub.subscribe(onReleased);
  }

  async acquire(lease: string, owner: string, ttlMs: number): Promise<AcquireResult> {
    const now = this.hub.now();
    const current = this.hub.leases.get(lease);
    if (current && this.held(current, now)) return { acquired: false, holder: this.toHolder(current, now) };
    const token = (current?.token ?? 0) + 1;
    this.hub.leases.set(lease, { owner, token, expiresAt: now + ttlMs });
    return { acquired: true, token };
  }

  async renew(lease: string, owner: string, token: number, ttlMs: number): Promise<boolean> {
    const now = this.hub.now();
    const current = this.hub.leases.get(lease);
    if (!current || !this.isOwner(current, owner, token) || !this.held(current, now)) return false;
    current.expiresAt = now + ttlMs;
    return true;
  }

  async renewMany(renewals: readonly LeaseRenewal[], owner: string, ttlMs: number): Promise<boolean[]> {
    return Promise.all(renewals.map((r) => this.renew(r.lease, owner, r.token, ttlMs)));
  }

  async release(lease: string, owner: string, token: number): Promise<boolean> {
    const current = this.hub.leases.get(lease);
    if (!current || !this.isOwner(current, owner, token) || !this.held(current, this.hub.now())) return false;
    current.owner = null;
    current.expiresAt = 0;
    this.hub.publishRelease(lease);
    return true;
  }

  async holder(lease: string): Promise<LeaseHolder | null> {
    const now = this.hub.now();
    const current = this.hub.leases.get(lease);
    return current && this.held(current, now) ? this.toHolder(current, now) : null;
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
  }

  private held(lease: MemoryLease, now: number): boolean {
    return lease.owner !== null && lease.expiresAt > now;
  }

  private isOwner(lease: MemoryLease, owner: string, token: number): boolean {
    return lease.owner === owner && lease.token === token;
  }

  private toHolder(lease: MemoryLease, now: number): LeaseHolder {
    return { owner: lease.owner ?? '', token: lease.token, remainingMs: Math.max(0, lease.expiresAt - now) };
  }
}
