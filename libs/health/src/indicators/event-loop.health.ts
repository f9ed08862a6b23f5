import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { HealthConfig } from '../health-config.js';
import { HEALTH_CONFIG } from '../health.constants.js';
import { overThreshold, probe } from './probe.js';

/** How long one measurement window of the event-loop delay lasts. */
const WINDOW_MS = 10_000;

/**
 * This process's event-loop delay: `up` while its p99 over the last window (10 s) is at most `maxLag`; otherwise
 * `down` (or `degraded` with `degradedOnThresholds`). A blocked loop delays every request and every heartbeat.
 */
@Injectable()
export class EventLoopHealthIndicator implements OnApplicationBootstrap, OnApplicationShutdown {
  private current?: IntervalHistogram;
  private previous?: { p99: number; max: number };
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(HEALTH_CONFIG) private readonly config: HealthConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.current = monitorEventLoopDelay({ resolution: 20 });
    this.current.enable();
    this.timer = setInterval(() => this.rotate(), WINDOW_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    this.current?.disable();
  }

  isHealthy<const Key extends string = 'eventLoop'>(
    key: Key = 'eventLoop' as Key,
    options: { maxLag?: number } = {},
  ): Promise<HealthIndicatorResult<Key>> {
    return probe(this.indicators, key, this.config.timeout, () => {
      const { p99, max } = this.delay();
      const maxLag = options.maxLag ?? this.config.eventLoop.maxLag;
      const data = { p99, max };
      if (p99 <= maxLag) return { status: 'up', data };
      return {
        status: overThreshold(this.config.degradedOnThresholds),
        data: { ...data, message: `event-loop delay p99 ${p99} ms > ${maxLag} ms` },
      };
    });
  }

  /** The worse of the last full window and the current one, in ms. */
  private delay(): { p99: number; max: number } {
    const now = this.read();
    const before = this.previous ?? { p99: 0, max: 0 };
    return { p99: Math.max(now.p99, before.p99), max: Math.max(now.max, before.max) };
  }

  private read(): { p99: number; max: number } {
    const h = this.current;
    if (!h || h.count === 0) return { p99: 0, max: 0 };
    return { p99: Math.round(h.percentile(99) / 1e6), max: Math.round(h.max / 1e6) };
  }

  private rotate(): void {
    this.previous = this.read();
    this.current?.reset();
  }
}
