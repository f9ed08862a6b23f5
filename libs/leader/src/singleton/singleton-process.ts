import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LeaderConfig } from '../leader-config.js';
import type { LeaderService } from '../leader.service.js';
import type { LeaderMetrics } from '../leader.metrics.js';
import type { LeaseTerm } from '../leases/lease-term.js';
import { SingletonContext } from './singleton-context.js';
import type { SingletonMetadata } from './singleton.decorator.js';

/** Waits `ms`, or less when `signal` aborts first. */
const pause = (ms: number, signal: AbortSignal) => sleep(ms, undefined, { signal }).catch(() => undefined);

/**
 * A `@Singleton({ process: true })` method: started as `method(signal)` each time this node acquires the lease,
 * stopped through the signal when the term ends, restarted with exponential backoff while it throws.
 */
export class SingletonProcess {
  private readonly logger = new Logger('Shoal:Singleton');

  constructor(
    private readonly meta: SingletonMetadata,
    private readonly run: (signal: AbortSignal) => unknown,
    private readonly leader: LeaderService,
    private readonly config: LeaderConfig,
    private readonly metrics: LeaderMetrics,
  ) {}

  /** Starts the process for `term`; the returned promise settles when it has stopped. */
  start(term: LeaseTerm): Promise<void> {
    return this.leader.track(term.lease, this.loop(term));
  }

  private async loop(term: LeaseTerm): Promise<void> {
    let delay = this.config.processRestart.initialDelay;
    const context = { lease: term.lease, token: term.token, signal: term.signal };
    while (!term.signal.aborted) {
      try {
        this.logger.log(`${this.meta.label} started (token ${term.token})`);
        await SingletonContext.run(context, () => this.run(term.signal));
        this.metrics.singletonCalls.inc({ method: this.meta.label, outcome: 'ran' });
        if (!term.signal.aborted)
          this.logger.log(`${this.meta.label} returned; it runs again on the next term`);
        return;
      } catch (error) {
        if (term.signal.aborted) return;
        this.metrics.singletonCalls.inc({ method: this.meta.label, outcome: 'failed' });
        this.logger.error(`${this.meta.label} threw, restarting in ${delay} ms: ${String(error)}`);
        await pause(delay, term.signal);
        delay = Math.min(delay * 2, this.config.processRestart.maxDelay);
      }
    }
  }
}
