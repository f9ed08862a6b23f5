import { Logger } from '@nestjs/common';
import type { LeaderService } from '../leader.service.js';
import type { LeaderMetrics } from '../leader.metrics.js';
import type { SingletonBinding } from './singleton.binding.js';
import { SingletonContext } from './singleton-context.js';
import type { SingletonMetadata } from './singleton.decorator.js';

/** Runs a `@Singleton()` method call on the lease holder; skips it (returns undefined) everywhere else. */
export class SingletonRunner implements SingletonBinding {
  private readonly logger = new Logger('Shoal:Singleton');

  constructor(
    private readonly meta: SingletonMetadata,
    private readonly leader: LeaderService,
    private readonly metrics: LeaderMetrics,
  ) {}

  invoke(original: (...args: unknown[]) => unknown, instance: unknown, args: unknown[]): unknown {
    const term = this.leader.term(this.meta.lease);
    if (!term) {
      this.metrics.singletonCalls.inc({ method: this.meta.label, outcome: 'skipped' });
      return undefined;
    }
    const run = { lease: term.lease, token: term.token, signal: term.signal };
    let result: unknown;
    try {
      result = SingletonContext.run(run, () => original.apply(instance, args));
    } catch (error) {
      this.metrics.singletonCalls.inc({ method: this.meta.label, outcome: 'failed' });
      throw error;
    }
    if (!(result instanceof Promise)) {
      this.metrics.singletonCalls.inc({ method: this.meta.label, outcome: 'ran' });
      return result;
    }
    return this.leader.track(
      term.lease,
      result.then(
        (value: unknown) => {
          this.metrics.singletonCalls.inc({ method: this.meta.label, outcome: 'ran' });
          return value;
        },
        (error: unknown) => {
          this.metrics.singletonCalls.inc({ method: this.meta.label, outcome: 'failed' });
          this.logger.debug(`${this.meta.label} failed: ${String(error)}`);
          throw error;
        },
      ),
    );
  }
}
