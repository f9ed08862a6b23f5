import { Inject, Injectable, Optional, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { registeredMetric, withTimeout } from '@shoal/cluster/internal';
import { QueueRegistry } from '@shoal/jobs/internal';
import { LeaderService } from '@shoal/leader';
import { Gauge, type Registry } from 'prom-client';
import type { HealthConfig } from '../health-config.js';
import { HEALTH_CONFIG, METRICS_REGISTRY } from '../health.constants.js';
import { readQueueDepths, type QueueDepth } from '../indicators/queue-depths.js';

/** What one app contributes to the metrics read at scrape time. */
interface ScrapeSource {
  readonly queues?: QueueRegistry;
  readonly leader?: LeaderService;
  readonly timeout: number;
}

/** The apps scraped through each registry (several apps in one process, as in tests, share one). */
const sourcesOf = new WeakMap<Registry, Set<ScrapeSource>>();

function sources(registry: Registry): ScrapeSource[] {
  return [...(sourcesOf.get(registry) ?? [])];
}

async function depths(registry: Registry): Promise<QueueDepth[]> {
  const all = await Promise.all(
    sources(registry).map((s) =>
      s.queues ? withTimeout(readQueueDepths(s.queues), s.timeout, 'queue depths').catch(() => []) : [],
    ),
  );
  return all.flat();
}

function queueGauge(registry: Registry, name: string, help: string, pick: (d: QueueDepth) => number): void {
  registeredMetric(
    registry,
    name,
    () =>
      new Gauge({
        name,
        help,
        labelNames: ['queue'],
        registers: [registry],
        async collect() {
          this.reset();
          for (const depth of await depths(registry)) this.set({ queue: depth.queue }, pick(depth));
        },
      }),
  );
}

/**
 * Metrics read when Prometheus scrapes, registered once per registry: queue depths (`shoal_jobs_waiting`,
 * `shoal_jobs_active`, `shoal_jobs_delayed`, `shoal_jobs_dead_letters`, per `queue`) and `shoal_leader_is_leader`
 * (1 while this node holds the `leader` lease). A scrape that cannot reach Redis within the health timeout leaves
 * the queue gauges empty rather than hanging.
 */
@Injectable()
export class ScrapeMetrics implements OnModuleInit, OnApplicationShutdown {
  private readonly source: ScrapeSource;

  constructor(
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    @Inject(HEALTH_CONFIG) config: HealthConfig,
    @Optional() queues?: QueueRegistry,
    @Optional() leader?: LeaderService,
  ) {
    this.source = { queues, leader, timeout: config.timeout };
  }

  onModuleInit(): void {
    const registry = this.registry;
    const set = sourcesOf.get(registry) ?? new Set();
    sourcesOf.set(registry, set.add(this.source));
    queueGauge(registry, 'shoal_jobs_waiting', 'Jobs waiting in each queue', (d) => d.waiting);
    queueGauge(registry, 'shoal_jobs_delayed', 'Delayed jobs in each queue', (d) => d.delayed);
    queueGauge(registry, 'shoal_jobs_active', 'Jobs running in each queue', (d) => d.active);
    queueGauge(registry, 'shoal_jobs_dead_letters', 'Dead-lettered jobs of each queue', (d) => d.deadLetters);
    registeredMetric(
      registry,
      'shoal_leader_is_leader',
      () =>
        new Gauge({
          name: 'shoal_leader_is_leader',
          help: 'Whether this node holds the leader lease (1) or not (0)',
          registers: [registry],
          collect() {
            const leading = sources(registry).some((s) => s.leader?.isLeader() ?? false);
            this.set(leading ? 1 : 0);
          },
        }),
    );
  }

  onApplicationShutdown(): void {
    sourcesOf.get(this.registry)?.delete(this.source);
  }
}
