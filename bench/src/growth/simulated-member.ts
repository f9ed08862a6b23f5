import type { MemberRecord, MembershipStore } from '@shoal/cluster/internal';
import type { NodeInfo } from '@shoal/cluster';

/** Timing of a simulated member, as `ClusterModule` options. */
export interface MemberTiming {
  readonly heartbeatInterval: number;
  readonly failureTimeout: number;
}

/**
 * One cluster member without Nest: the same store calls `ClusterService` makes — a heartbeat (`beat`, which also
 * sweeps, and reads the members when the membership version differs from the view's) every `heartbeatInterval`
 * after the previous one ended, and a re-read (`list`) on every join/leave notice, coalesced while one is in
 * flight. Its view is the member ids of the latest read.
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
  private readonly viewListeners = new Set<(view: ReadonlySet<string>) => void>();

  constructor(
    readonly info: NodeInfo,
    private readonly store: MembershipStore,
    private readonly timing: MemberTiming,
    /**
     * How long a notice waits before the re-read, gathering the notices that follow it (0: read at once, as
     * `ClusterService` does). A driver of hundreds of members in one process gives it to all but the observer it
     * measures: N members each re-reading N records on every notice of a join storm is N² parsing in one process,
     * which real replicas spread over N machines. Store load in a steady window is unaffected (no notices there).
     */
    private readonly noticeDelayMs = 0,
  ) {}

  /** Subscribes to notices, beats once, then keeps beating. */
  async start(): Promise<void> {
    await this.store.init(() => this.refresh());
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
      const result = await this.store.beat(this.info, this.timing.failureTimeout, this.version);
      if (result.members) this.apply(result.version, result.members);
      SimulatedMember.beats += 1;
    } catch {
      // a failed beat is retried on the next tick, as ClusterService does
    }
  }

  /** A notice: read again, once more after the read in flight if one is. */
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
      const read = await this.store.list(this.timing.failureTimeout).catch(() => undefined);
      if (read) this.apply(read.version, read.members);
    }
    this.refreshing = false;
  }

  private apply(version: string, members: readonly MemberRecord[]): void {
    if (!this.running) return;
    this.version = version;
    this.view = new Set(members.map((member) => member.id));
    for (const listener of [...this.viewListeners]) listener(this.view);
  }
}
