import type { Member, MembershipEvent } from './membership-event.js';
import { byId } from './member-record.codec.js';

/**
 * This node's picture of the cluster. `apply` replaces it with a fresh read of the store and returns what changed:
 * a member whose incarnation changed (it restarted with the same id) leaves and joins again.
 */
export class MembershipView {
  private readonly members = new Map<string, Member>();

  constructor(private readonly selfId: string) {}

  get size(): number {
    return this.members.size;
  }

  has(id: string): boolean {
    return this.members.has(id);
  }

  list(): Member[] {
    return [...this.members.values()].sort(byId);
  }

  ids(): string[] {
    return this.list().map((member) => member.id);
  }

  /**
   * Replaces the view with `fresh`, keeping `self` present (a running node is a member of its own view).
   * @param keepAbsent keep the members `fresh` lacks (the store lost its data and they have not beaten again yet):
   *   `fresh` can then add members and new incarnations, never remove one.
   * @returns the changes, `left` before `joined`.
   */
  apply(fresh: readonly Member[], self: Member, at = new Date(), keepAbsent = false): MembershipEvent[] {
    const next = new Map(fresh.map((member) => [member.id, member]));
    if (!next.has(this.selfId)) next.set(this.selfId, self);
    if (keepAbsent) for (const [id, member] of this.members) if (!next.has(id)) next.set(id, member);
    const left: MembershipEvent[] = [];
    const joined: MembershipEvent[] = [];
    for (const [id, member] of this.members) {
      const now = next.get(id);
      if (!now || now.incarnation !== member.incarnation) left.push({ type: 'left', member, at });
    }
    for (const [id, member] of next) {
      const before = this.members.get(id);
      if (!before || before.incarnation !== member.incarnation) joined.push({ type: 'joined', member, at });
    }
    this.members.clear();
    for (const [id, member] of next) this.members.set(id, member);
    return [...left, ...joined];
  }

  /** Whether `fresh` lacks a member of this view other than this node (applying it would report a leave). */
  dropsAnyOf(fresh: readonly Member[]): boolean {
    const ids = new Set(fresh.map((member) => member.id));
    for (const id of this.members.keys()) if (id !== this.selfId && !ids.has(id)) return true;
    return false;
  }

  /**
   * Applies one announced change without a read: `left` removes the member, `joined` adds it (a new incarnation of a
   * member leaves and joins again; the same incarnation with other facts is replaced silently). `self` never leaves.
   * @returns the changes, `left` before `joined`.
   */
  applyChange(
    change: { type: 'left'; id: string } | { type: 'joined'; member: Member },
    at = new Date(),
  ): MembershipEvent[] {
    if (change.type === 'left') {
      const member = this.members.get(change.id);
      if (!member || change.id === this.selfId) return [];
      this.members.delete(change.id);
      return [{ type: 'left', member, at }];
    }
    const member = change.member;
    const before = this.members.get(member.id);
    if (member.id === this.selfId && before) return [];
    this.members.set(member.id, member);
    if (before?.incarnation === member.incarnation) return [];
    const joined: MembershipEvent = { type: 'joined', member, at };
    return before ? [{ type: 'left', member: before, at }, joined] : [joined];
  }
}
