import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { Interval, ScheduleModule } from '@nestjs/schedule';
import { ClusterModule, MemoryMembershipHub, type ClusterModuleOptions } from '@shoal/cluster';
import { InProcessCluster, eventually } from '@shoal/testing';
import { OnLeadershipAcquired, OnLeadershipLost } from './decorators/leadership.decorators.js';
import type { LeadershipEvent } from './leases/lease-term.js';
import { LeaderModule } from './leader.module.js';
import { LeaderService } from './leader.service.js';
import { MemoryLeaseHub } from './leases/memory-lease.hub.js';
import { SingletonContext } from './singleton/singleton-context.js';
import { Singleton } from './singleton/singleton.decorator.js';
import { LeaseLostError } from './errors/lease-lost.error.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = () => `t_${Math.random().toString(36).slice(2, 10)}`;

@Injectable()
class Work {
  readonly events: string[] = [];
  intervalBelow = 0;
  intervalAbove = 0;
  processStarts = 0;
  processAborts: unknown[] = [];
  failuresLeft = 1;

  @Singleton()
  whoRuns(): number | undefined {
    return SingletonContext.current()?.token;
  }

  @Singleton()
  @Interval(40)
  tickBelow(): void {
    this.intervalBelow += 1;
  }

  @Interval(40)
  @Singleton()
  tickAbove(): void {
    this.intervalAbove += 1;
  }

  @Singleton({ lease: 'own' })
  ownLease(): string | undefined {
    return 'ran';
  }

  @Singleton({ process: true, lease: 'worker' })
  async worker(signal: AbortSignal): Promise<void> {
    this.processStarts += 1;
    if (this.failuresLeft > 0) {
      this.failuresLeft -= 1;
      throw new Error('first start fails');
    }
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    this.processAborts.push(signal.reason);
  }

  @OnLeadershipAcquired()
  acquired(event: LeadershipEvent): void {
    this.events.push(`acquired:${event.token}`);
  }

  @OnLeadershipLost()
  lost(event: LeadershipEvent): void {
    this.events.push(`lost:${event.reason}`);
  }
}

@Module({})
class LeaderTestModule {}

const timing = {
  leaseTtl: 1000,
  renewInterval: 300,
  retryInterval: 100,
  processRestart: { initialDelay: 50 },
};

function nodes(cluster: () => ClusterModuleOptions, leader: () => object = () => ({})) {
  const clusterOptions = cluster();
  const leaderOptions = leader();
  return (index: number): DynamicModule => ({
    module: LeaderTestModule,
    imports: [
      ScheduleModule.forRoot(),
      ClusterModule.forRoot({
        heartbeatInterval: 100,
        failureTimeout: 1000,
        ...clusterOptions,
        nodeId: `n${index}`,
      }),
      LeaderModule.forRoot({ ...timing, ...leaderOptions }),
    ],
    providers: [Work],
  });
}

const backends: [string, () => ClusterModuleOptions, () => object][] = [
  [
    'memory',
    () => ({ store: 'memory', memoryHub: new MemoryMembershipHub() }),
    () => ({ memoryHub: new MemoryLeaseHub() }),
  ],
  ['redis', () => ({ redis: REDIS_URL, prefix: prefix() }), () => ({})],
];

describe.each(backends)('LeaderModule on the %s store (3 in-process nodes)', (_, cluster, leader) => {
  let group: InProcessCluster | undefined;

  afterEach(async () => {
    await group?.close();
    group = undefined;
  });

  const leaders = () => group!.nodes.filter((n) => !n.closed && n.app.get(LeaderService).isLeader());

  it('elects exactly one leader that everyone agrees on, and runs singletons only there', async () => {
    group = await InProcessCluster.start(3, nodes(cluster, leader));
    await eventually(() => leaders().length === 1, { what: 'one leader' });
    const services = group.all(LeaderService);
    const holder = leaders()[0].app.get(LeaderService);
    await eventually(() => services.every((s) => s.leader()?.token === holder.token()), {
      what: 'agreement',
    });
    expect(new Set(services.map((s) => s.leader()?.id)).size).toBe(1);

    const results = group.all(Work).map((w) => w.whoRuns());
    expect(results.filter((r) => r !== undefined)).toEqual([holder.token()]);

    const works = group.all(Work);
    const before = works.map((w) => [w.intervalBelow, w.intervalAbove]);
    const leaderIndex = leaders()[0].index;
    const ran = (i: number) => [works[i].intervalBelow - before[i][0], works[i].intervalAbove - before[i][1]];
    // The leader's interval runs (decorator below and above @Interval) a few times…
    await eventually(() => ran(leaderIndex).every((n) => n > 2), { what: 'the leader ran both intervals' });
    // …while the same @Interval fired on the others without running the method once.
    works.forEach((_, i) => {
      if (i !== leaderIndex) expect(ran(i)).toEqual([0, 0]);
    });
    expect(works[leaderIndex].events[0]).toMatch(/^acquired:\d+$/);

    expect(services[0].leases()).toEqual(
      expect.arrayContaining(['leader', 'worker', 'singleton:Work.ownLease']),
    );
    await eventually(() => group!.all(Work).filter((w) => w.ownLease() === 'ran').length === 1, {
      what: 'own lease held by one node',
    });
  });

  it('hands over at once on a graceful stop, with a higher token, after firing the lost hook and signal', async () => {
    const longLease = () => ({ ...leader(), leaseTtl: 3_600_000, renewInterval: 1000 });
    group = await InProcessCluster.start(3, nodes(cluster, longLease));
    await eventually(() => leaders().length === 1, { what: 'one leader' });
    const old = leaders()[0];
    const oldToken = old.app.get(LeaderService).token() as number;
    const oldWork = old.app.get(Work);
    await old.close();
    // The lease was handed back, not left to expire: a follower takes it while the released term's TTL (an hour
    // here) has not run out.
    await eventually(() => leaders().length === 1, { what: 'a new leader', timeoutMs: 10_000 });
    expect(leaders()[0].app.get(LeaderService).token()).toBeGreaterThan(oldToken);
    expect(oldWork.events).toContain('lost:released');
  });

  it('runs a process singleton on the holder only, restarts it after a failure, and aborts it when the lease goes', async () => {
    group = await InProcessCluster.start(2, nodes(cluster, leader));
    const holderOf = () => group!.nodes.find((n) => !n.closed && n.app.get(LeaderService).isLeader('worker'));
    await eventually(() => holderOf(), { what: 'a worker lease holder' });
    const holder = holderOf()!;
    const work = holder.app.get(Work);
    await eventually(() => work.processStarts === 2, { what: 'restart after the first failure' });
    const other = group.nodes.find((n) => n !== holder)!.app.get(Work);
    expect(other.processStarts).toBe(0);
    await holder.close();
    expect(work.processAborts).toHaveLength(1);
    expect(work.processAborts[0]).toBeInstanceOf(LeaseLostError);
    await eventually(() => other.processStarts >= 1, { what: 'the survivor starts the process' });
  });
});
