import type { NodeInfo } from '../node-identity.js';
import { byId } from './member-record.codec.js';
import { MemoryMembershipHub } from './memory-membership.hub.js';
import type { BeatResult, MemberRecord, MembershipNotice, MembershipStore } from './membership-store.js';

/** Membership in this process's memory: for tests and single-process apps. */
export class MemoryMembershipStore implements MembershipStore {
  private unsubscribe?: () => void;

  constructor(private readonly hub: MemoryMembershipHub = MemoryMembershipHub.shared) {}

  async init(onNotice: (notice: MembershipNotice) => void): Promise<void> {
    this.unsubscribe = this.hub.subscribe(onNotice);
  }

  async beat(self: NodeInfo, failureTimeoutMs: number): Promise<BeatResult> {
    const now = this.hub.now();
    const previous = this.hub.members.get(self.id);
    const created = previous?.incarnation !== self.incarnation;
    this.hub.members.set(self.id, { ...self, lastSeen: now });
    if (created) this.hub.publish({ type: 'joined', id: self.id });
    const removed: string[] = [];
    for (const [id, member] of this.hub.members) {
      if (member.lastSeen < now - failureTimeoutMs) {
        this.hub.members.delete(id);
        removed.push(id);
        this.hub.publish({ type: 'left', id });
      }
    }
    return { created, removed, members: this.live(now, failureTimeoutMs) };
  }

  async list(failureTimeoutMs: number): Promise<MemberRecord[]> {
    return this.live(this.hub.now(), failureTimeoutMs);
  }

  async leave(self: NodeInfo): Promise<void> {
    if (this.hub.members.get(self.id)?.incarnation !== self.incarnation) return;
    this.hub.members.delete(self.id);
    this.hub.publish({ type: 'left', id: self.id });
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
  }

  private live(now: number, failureTimeoutMs: number): MemberRecord[] {
    return [...this.hub.members.values()]
      .filter((member) => member.lastSeen >= now - failureTimeoutMs)
      .sort(byId);
  }
}
