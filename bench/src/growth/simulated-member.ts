import {
  applicableNotice,
  type MemberRecord,
  type MembershipNotice,
  type MembershipStore,
} from '@shoal/cluster/internal';
import type { NodeInfo } from '@shoal/cluster';

/** Timing of a simulated member, as `ClusterModule` options. */
export interface MemberTiming {
  readonly heartbeatInterval: number;
  readonly failureTimeout: number;
}

/**
 * One cluster member without Nest: the same store calls `ClusterService` makes — a heartbeat (`beat`, which also
 * sweeps, and reads the members when the membership version differs from the view's) every `heartbeatInterval`
 * after the previous one ended; a join/leave notice that carries its change is applied to the view when the view is
 * at the change's version, and any other notice makes it re-read (`list`), coalesced while a read is in flight. Reads
 * issued before a change the view applied are not applied (they may predate it).
 */
export class SimulatedMember {
  /** Heartbeats completed by every simulated member of this process (to check the driver kept the pace). */
  static beats = 0;
  /** Member ids this member sees now. */
  view: ReadonlySet<string> = new Set();
  /** Membership version of `view`: heartbeats return the member list only when the store's differs. */
  private version?: string;
  private running = false;
  private timer?: NodeJS.Timeout;
  private refreshing = false;
  private refreshAgain = false;
  /** Sequence of issued reads and heartbeats, and of the last one applied (as in `ClusterService`). */
  private requested = 0;
  private applied = 0;
  private readonly viewListeners = new Set<(view: ReadonlySet<string>) => void>();

  constructor(
    readonly info: NodeInfo,
    private readonly store: MembershipStore,
    private readonly timing: MemberTiming,
    /**
     * How long a notice that asks for a read waits before it, gathering the notices that follow it (0: read at once,
     * as `ClusterService` does). A driver of hundreds of members in one process gives it to all but the observer it
     * measures: members that missed a change re-read N records each, N² parsing in one process that real replicas
     * spread over N machines. Store load in a steady window is unaffected (no notices there).
     */
    private readonly noticeDelayMs = 0,
  ) {}

  /** Subscribes to notices, beats once, then keeps beating. */
  async start(): Promise<void> {
    await this.store.init((notice) => this.onNotice(notice));
    this.running = true;
    await this.beat();
    this.schedule();
  }

  /** Stops beating without leaving: to the others, a SIGKILL. */
  async crash(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.store.close();
  }

  /** Resolves once `predicate` holds for this member's view. */
  until(predicate: (view: ReadonlySet<string>) => boolean): Promise<void> {
    if (predicate(this.view)) return Promise.resolve();
    return new Promise((resolve) => {
      const listener = (view: ReadonlySet<string>): void => {
        if (!predicate(view)) return;
        this.viewListeners.delete(listener);
        resolve();
      };
      this.viewListeners.add(listener);
    });
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(
      () => void this.beat().finally(() => this.schedule()),
      this.timing.heartbeatInterval,
    );
  }

  private async beat(): Promise<void> {
    try {
      const seq = ++this.requested;
      const result = await this.store.beat(this.info, this.timing.failureTimeout, this.version);
      if (result.members) this.apply(seq, result.version, result.members);
      SimulatedMember.beats += 1;
    } catch {
      // a failed beat is retried on the next tick, as ClusterService does
    }
  }

  private onNotice(notice: MembershipNotice): void {
    if (!this.running) return;
    if (!this.applyNotice(notice)) this.refresh();
  }

  /** As `ClusterService`: a notice carrying its change, on a view at its `from` (or `to`), without a read. */
  private applyNotice(notice: MembershipNotice): boolean {
    const change = applicableNotice(this.version, notice);
    if (!change) return false;
    const view = new Set(this.view);
    if (change.type === 'joined') view.add(change.id);
    else view.delete(change.id);
    this.show(++this.requested, change.to, view);
    return true;
  }

  /** Read again, once more after the read in flight if one is. */
  private refresh(): void {
    if (!this.running) return;
    this.refreshAgain = true;
    if (this.refreshing) return;
    this.refreshing = true;
    void this.readWhileAsked();
  }

  private async readWhileAsked(): Promise<void> {
    if (this.noticeDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.noticeDelayMs));
    while (this.refreshAgain && this.running) {
      this.refreshAgain = false;
      const seq = ++this.requested;
      const read = await this.store.list(this.timing.failureTimeout).catch(() => undefined);
      if (read) this.apply(seq, read.version, read.members);
    }
    this.refreshing = false;
  }

  private apply(seq: number, version: string, members: readonly MemberRecord[]): void {
    this.show(seq, version, new Set(members.map((member) => member.id)));
  }

  private show(seq: number, version: string, view: ReadonlySet<string>): void {
    if (!this.running || seq < this.applied) return;
    this.applied = seq;
    this.version = version;
    this.view = view;
    for (const listener of [...this.viewListeners]) listener(this.view);
  }
}
