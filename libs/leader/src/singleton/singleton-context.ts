import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';

/** What a running singleton call knows about the lease it runs under. */
export interface SingletonRun {
  readonly lease: string;
  /** The fencing token of the term: pass it to the resource you write to (see `FencingService`). */
  readonly token: number;
  /** Fires when the lease is lost or handed back: stop work. */
  readonly signal: AbortSignal;
}

const storage = new AsyncLocalStorage<SingletonRun>();

/**
 * The lease, fencing token and abort signal of the `@Singleton()` call in progress, available anywhere down its
 * async call chain. Inject it, or use the static helpers.
 */
@Injectable()
export class SingletonContext {
  /** The running singleton call, or undefined outside one. */
  static current(): SingletonRun | undefined {
    return storage.getStore();
  }

  /** Runs `work` as part of a singleton call. */
  static run<T>(run: SingletonRun, work: () => T): T {
    return storage.run(run, work);
  }

  get current(): SingletonRun | undefined {
    return storage.getStore();
  }

  /** The fencing token of the running call. @throws outside a singleton call. */
  get token(): number {
    return this.require().token;
  }

  /** The abort signal of the running call. @throws outside a singleton call. */
  get signal(): AbortSignal {
    return this.require().signal;
  }

  private require(): SingletonRun {
    const run = storage.getStore();
    if (!run) throw new Error('SingletonContext is only available inside a @Singleton() call');
    return run;
  }
}
