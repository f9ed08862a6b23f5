import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { ShoalHealthChecks } from '../shoal-health-checks.js';
import { ShutdownCoordinator } from '../shutdown/shutdown-coordinator.js';

/**
 * `GET <path>/live`, `GET <path>/ready` and `GET <path>` (mounted at `path` by `HealthModule`). Responses are
 * Terminus' JSON: `{ status, info, error, details }`, one key per indicator.
 */
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly checks: ShoalHealthChecks,
    private readonly shutdown: ShutdownCoordinator,
  ) {}

  /** Liveness: the process answers. Checks no dependency, so it stays 200 while the node drains or a store is down. */
  @Get('live')
  live(): HealthCheckResult {
    const process = {
      status: 'up' as const,
      phase: this.shutdown.phase,
      requestsInFlight: this.shutdown.requestsInFlight,
    };
    return { status: 'ok', info: { process }, error: {}, details: { process } };
  }

  /** Readiness: 503 from the moment shutdown starts, else 503 when a readiness indicator is down. */
  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    if (this.shutdown.shuttingDown) {
      const shutdown = { status: 'down' as const, phase: this.shutdown.phase };
      const body: HealthCheckResult = {
        status: 'error',
        info: {},
        error: { shutdown },
        details: { shutdown },
      };
      return Promise.reject(new ServiceUnavailableException(body));
    }
    return this.health.check(this.checks.readiness());
  }

  /** Every indicator that applies, with its details; 503 when one is down. */
  @Get()
  @HealthCheck()
  detail(): Promise<HealthCheckResult> {
    return this.health.check(this.checks.detail());
  }
}
