import { Controller, Get, Query } from '@nestjs/common';
import { ClusterService } from '@shoal/cluster';
import { LeaderService, type LeaseHolderView } from '@shoal/leader';
import { MembershipLog, type SeenEvent } from './membership-log.service.js';

interface MemberView {
  id: string;
  startedAt: string;
  version: string;
  host: string;
  pid: number;
}

/** `GET /cluster`: this replica's view of the cluster. */
@Controller('cluster')
export class ClusterController {
  constructor(
    private readonly cluster: ClusterService,
    private readonly log: MembershipLog,
    private readonly leader: LeaderService,
  ) {}

  @Get()
  view(): {
    self: MemberView;
    members: MemberView[];
    leader: LeaseHolderView | null;
    events: readonly SeenEvent[];
  } {
    const show = (m: { id: string; startedAt: number; version: string; host: string; pid: number }) => ({
      id: m.id,
      startedAt: new Date(m.startedAt).toISOString(),
      version: m.version,
      host: m.host,
      pid: m.pid,
    });
    return {
      self: show(this.cluster.self),
      members: this.cluster.members().map(show),
      leader: this.leader.leader(),
      events: this.log.recent(),
    };
  }

  /** `GET /cluster/owner?key=k`: which member owns `key` on the shard ring. */
  @Get('owner')
  owner(@Query('key') key = ''): { key: string; owner: string } {
    return { key, owner: this.cluster.ownerOf(key) };
  }
}
