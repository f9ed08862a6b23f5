import type { MemberRecord } from './membership-store.js';

/** A member as this node currently sees it. */
export type Member = MemberRecord;

/** A change of membership seen by this node. */
export interface MembershipEvent {
  readonly type: 'joined' | 'left';
  readonly member: Member;
  /** When this node saw the change (local clock). */
  readonly at: Date;
}
