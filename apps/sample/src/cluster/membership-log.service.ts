import { Injectable, Logger } from '@nestjs/common';
import { OnNodeJoined, OnNodeLeft, type MembershipEvent } from '@shoal/cluster';

/** What this replica saw happen to membership, newest last. */
export interface SeenEvent {
  readonly type: 'joined' | 'left';
  readonly id: string;
  readonly at: string;
}

/** Records membership events seen by this replica (the last 50), through Shoal's decorators. */
@Injectable()
export class MembershipLog {
  private readonly logger = new Logger('Membership');
  private readonly seen: SeenEvent[] = [];

  @OnNodeJoined()
  onJoined(event: MembershipEvent): void {
    this.record(event);
  }

  @OnNodeLeft()
  onLeft(event: MembershipEvent): void {
    this.record(event);
  }

  recent(): readonly SeenEvent[] {
    return this.seen;
  }

  private record(event: MembershipEvent): void {
    this.seen.push({ type: event.type, id: event.member.id, at: event.at.toISOString() });
    if (this.seen.length > 50) this.seen.shift();
    this.logger.log(`${event.member.id} ${event.type}`);
  }
}
