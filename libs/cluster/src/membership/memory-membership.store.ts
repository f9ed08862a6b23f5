import type { NodeInfo } from '../node-identity.js';
import { byId, sameNodeInfo } from './member-record.codec.js';
import { MemoryMembershipHub } from './memory-membership.hub.js';
import type {
  BeatResult,
  MembershipNotice,
  MembershipSnapshot,
  MembershipStore,
} from './membership-store.js';

/** Membership in this process's memory: for tests and single-process apps. */
export class MemoryMembershipStore implements MembershipStore {
  private unsubscribe?: () => void;

  constructor(private readonly hub: MemoryMembershipHub = MemoryMembershipHub.shared) {}

  async init(onNotice: (notice: MembershipNotice) => void): Promise<void> {
    this.unsubscribe = this.hub.subscribe(onNotice);
  }

  async beat(self: NodeInfo, failureTimeoutMs: number, knownVersion?: string): Promise<BeatResult> {
    const now = this.hub.now();
    const previous = this.hub.members.get(self.id);
    const created = previous?.incarnation !== self.incarnation;
    // Back from a silence longer than the failure timeout (hidden from reads meanwhile) is a change too.
    const back = previous !== undefined && previous.lastSeen < now - failureTimeoutMs;
    const record = { ...self, lastSeen: now };
    this.hub.members.set(self.id, record);
    if (!previous || back || !sameNodeInfo(previous, self))
      this.hub.publish({ type: 'joined', id: self.id, ...this.bump(), member: record });
    const removed: string[] = [];
    for (const [id, member] of this.hub.members) {
      if (member.lastSeen < now - failureTimeoutMs) {
        this.hub.members.delete(id);
        removed.push(id);
        this.hub.publish({ type: 'left', id, ...this.bump() });
      }
    }
    const { version, members } = this.live(now, failureTimeoutMs);
    return { created, removed, version, members: version === knownVersion ? undefined : members };
  }

  async list(failureTimeoutMs: number): Promise<MembershipSnapshot> {
    return this.live(this.hub.now(), failureTimeoutMs);
  }

  async leave(self: NodeInfo): Promise<void> {
    if (this.hub.members.get(self.id)?.incarnation !== self.incarnation) return;
    this.hub.members.delete(self.id);
    this.hub.publish({ type: 'left', id: self.id, ...this.bump() });
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
  }

  /** Bumps the version; returns the versions before and after, for the notice of the change. */
  private bump(): { from: string; to: string } {
    const from = String(this.hub.version);
    this.hub.version += 1;
    return { from, to: String(this.hub.version) };
  }

  private live(now: number, failureTimeoutMs: number): MembershipSnapshot {
    const members = [...this.hub.members.values()]
      .filter((member) => member.lastSeen >= now - failureTimeoutMs)
      .sort(byId);
    return { version: String(this.hub.version), members };
  }
}
