import type { HealthIndicatorResult, HealthIndicatorService, HealthIndicatorStatus } from '@nestjs/terminus';
import { withTimeout } from '@shoal/cluster/internal';

/** What an indicator's check found: its status and the details shown under its key. */
export interface ProbeOutcome {
  readonly status: HealthIndicatorStatus;
  readonly data: Record<string, unknown>;
}

/**
 * Runs `check` within `timeoutMs` and reports its outcome under `key`. A check that throws or does not finish in
 * time reports `down` with the error's message: an indicator never throws and never hangs a probe.
 */
export async function probe<const Key extends string>(
  indicators: HealthIndicatorService,
  key: Key,
  timeoutMs: number,
  check: () => Promise<ProbeOutcome> | ProbeOutcome,
): Promise<HealthIndicatorResult<Key>> {
  const session = indicators.check(key);
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const outcome = await withTimeout(Promise.resolve().then(check), timeoutMs, `the ${key} check`);
    const data = { ...outcome.data, responseTime: elapsed() };
    if (outcome.status === 'up') return session.up(data);
    return outcome.status === 'degraded' ? session.degraded(data) : session.down(data);
  } catch (error) {
    return session.down({
      message: error instanceof Error ? error.message : String(error),
      responseTime: elapsed(),
    });
  }
}

/** The status of a value past its threshold: `degraded` when the app asked for it, else `down`. */
export function overThreshold(degradedOnThresholds: boolean): HealthIndicatorStatus {
  return degradedOnThresholds ? 'degraded' : 'down';
}
