import { Inject, Injectable } from '@nestjs/common';
import { ClusterService } from '@shoal/cluster';
import { PRESENCE_STORE } from '../realtime.constants.js';
import type { PresenceStore, PresenceTotals } from './presence-store.js';

/** Where a user is connected, cluster-wide. */
export interface UserPresence {
  readonly online: boolean;
  /** Sockets of the user on every live replica (several tabs, several devices). */
  readonly sockets: number;
  /** Replicas holding them, sorted. */
  readonly nodes: readonly string[];
}

/**
 * Who is online across the cluster. Each replica writes its own sockets' users to the presence store (Redis or
 * Postgres, like membership); when membership reports a replica gone, the survivors remove its entries, so a
 * crashed replica's users drop within `failureTimeout` plus a heartbeat. Per-user reads also skip replicas this
 * node no longer sees as members. Several sockets of one user count as one user.
 */
@Injectable()
export class PresenceService {
  constructor(
    @Inject(PRESENCE_STORE) private readonly store: PresenceStore,
    private readonly cluster: ClusterService,
  ) {}

  /** Whether `userId` has a socket on any live replica. */
  async isOnline(userId: string): Promise<boolean> {
    return (await this.sockets(userId)).online;
  }

  /** The user's sockets and the replicas holding them. */
  async sockets(userId: string): Promise<UserPresence> {
    const entries = (await this.store.user(userId)).filter((entry) => this.cluster.isMember(entry.nodeId));
    const sockets = entries.reduce((sum, entry) => sum + entry.sockets, 0);
    return { online: sockets > 0, sockets, nodes: entries.map((entry) => entry.nodeId).sort() };
  }

  /** Distinct online users and their sockets, cluster-wide. */
  totals(): Promise<PresenceTotals> {
    return this.store.totals();
  }
}
